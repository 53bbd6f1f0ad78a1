package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EchoServer} as the separate program scripts and benchmarks run: the same java and class
 * path as this test, {@code --port 0}, one stdout line, SIGTERM.
 */
@Timeout(60)
class EchoServerProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    /**
     * SIGTERM runs the shutdown hook, which closes the actor system; the JVM then exits with
     * 143 (128 + 15), its status for a process ended by SIGTERM once the hooks have run.
     */
    @Test
    void printsWhereItListensEchoesAndExitsQuietlyOnSigterm() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EchoServer.class.getName(), "--port", "0").start();
        try {
            CompletableFuture<String> stderr = readAll(server.getErrorStream());
            BufferedReader stdout = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> readLine(stdout)).get(30, TimeUnit.SECONDS);
            Matcher listening = LISTENING.matcher(String.valueOf(first));
            assertThat(listening.matches()).as("first stdout line '%s'", first).isTrue();
            int port = Integer.parseInt(listening.group(1));

            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(30_000);
                byte[] message = "hello, echo".getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(message);
                assertThat(s.getInputStream().readNBytes(message.length)).isEqualTo(message);
            }

            // SIGTERM, as Process.destroy() sends it; the handle's destroy leaves this side's pipes
            // open (Process.destroy() closes them), so what the server writes while stopping can
            // still be read.
            assertThat(server.toHandle().destroy()).isTrue();
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s of SIGTERM").isTrue();
            assertThat(server.exitValue()).isEqualTo(143);
            List<String> rest = new ArrayList<>();
            for (String line; (line = stdout.readLine()) != null; ) {
                rest.add(line);
            }
            assertThat(rest).as("stdout after the listening line").isEmpty();
            assertThat(stderr.get(10, TimeUnit.SECONDS)).as("stderr").doesNotContain("Exception", "\tat ");
        } finally {
            server.destroyForcibly();
        }
    }

    private static String readLine(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** All of a stream, read on another thread so the child never blocks on a full pipe. */
    private static CompletableFuture<String> readAll(InputStream in) {
        CompletableFuture<String> all = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                all.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                all.completeExceptionally(e);
            }
        }, "echo-server-stderr");
        reader.setDaemon(true);
        reader.start();
        return all;
    }
}
