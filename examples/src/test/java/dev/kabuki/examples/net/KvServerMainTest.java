package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** KvServer as a program: its command line, its one line of output, its signals. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvServerMainTest {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    /** A running server process and its standard output. */
    private record Server(Process process, BufferedReader stdout, int port) {
    }

    private Process launch(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // The program's own logging set-up (to stderr), not the tests' logback-test.xml (to stdout).
        command.add("-Dlogback.configurationFile=" + KvServer.class.getResource("/logback.xml"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KvServer.class.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("stderr-" + processes.size() + ".txt").toFile())
                .start();
        processes.add(p);
        return p;
    }

    private Server startServer(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", dir.resolve("data").toString(), "--port", "0"));
        args.addAll(List.of(extra));
        Process p = launch(args.toArray(String[]::new));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(line).as("first line on stdout").isNotNull();
        Matcher m = LISTENING.matcher(line);
        assertThat(m.matches()).as("'%s' is the listening line", line).isTrue();
        return new Server(p, out, Integer.parseInt(m.group(1)));
    }

    private String stderrOf(int processIndex) throws IOException {
        return Files.readString(dir.resolve("stderr-" + processIndex + ".txt"));
    }

    @Test
    void badFlagsPrintUsageOnStderrAndExitWith2() throws Exception {
        String[][] bad = {{}, {"--data"}, {"--data", "d", "--port", "x"}, {"--data", "d", "--fsync", "never"},
                {"--data", "d", "--bogus", "1"}, {"--data", "d", "--shards", "0"}};
        for (int i = 0; i < bad.length; i++) {
            Process p = launch(bad[i]);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("exit code of %s", List.of(bad[i])).isEqualTo(2);
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(stderrOf(i)).contains("usage: KvServer --data DIR");
        }
    }

    @Test
    void helpPrintsUsageOnStdoutAndExitsWith0() throws Exception {
        Process p = launch("--help");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).startsWith("usage: KvServer");
    }

    @Test
    void sigtermStopsItCleanlyAfterOneLineOfOutputAndTheDataSurvives() throws Exception {
        Server first = startServer();
        try (Jedis j = new Jedis("127.0.0.1", first.port(), 10_000)) {
            assertThat(j.set("survives", "sigterm")).isEqualTo("OK");
            j.incrBy("n", 5);
        }
        first.process().toHandle().destroy(); // SIGTERM, leaving our ends of its pipes open
        assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process().exitValue()).as("128 + SIGTERM").isEqualTo(143);
        assertThat(first.stdout().readLine()).as("nothing after the listening line").isNull();
        assertThat(stderrOf(0)).contains("stopping").doesNotContain("ERROR");

        Server second = startServer();
        try (Jedis j = new Jedis("127.0.0.1", second.port(), 10_000)) {
            assertThat(j.get("survives")).isEqualTo("sigterm");
            assertThat(j.get("n")).isEqualTo("5");
        }
        second.process().destroy();
        assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void withFsyncAlwaysAnAcknowledgedWriteSurvivesSigkill() throws Exception {
        Server first = startServer("--fsync", "always");
        try (Jedis j = new Jedis("127.0.0.1", first.port(), 10_000)) {
            for (int i = 0; i < 100; i++) {
                assertThat(j.set("acked:" + i, "v" + i)).isEqualTo("OK");
            }
        }
        first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final fsync
        assertThat(first.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

        Server second = startServer();
        try (Jedis j = new Jedis("127.0.0.1", second.port(), 10_000)) {
            for (int i = 0; i < 100; i++) {
                assertThat(j.get("acked:" + i)).isEqualTo("v" + i);
            }
        }
        second.process().destroy();
        assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
}
