package dev.kabuki.remote;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node in its own JVM for the multi-JVM tests: an actor system named by the first argument,
 * its remote side on 127.0.0.1 at the given port (0: any) with the given cookie, and one
 * {@code counter} actor. It prints {@code READY <address>} once listening, then runs until
 * killed or until its standard input closes.
 *
 * <p>The launcher half ({@link #start}) runs it as a child process of the test's JVM, with the
 * same java, class path and flags, and reads its output.
 */
public final class NodeProcess implements AutoCloseable {
    public sealed interface CounterMsg {
    }

    public record Increment(long by) implements CounterMsg {
    }

    public record Get(ActorRef<Long> replyTo) implements CounterMsg {
    }

    static final class Counter implements Actor<CounterMsg> {
        private long total;

        @Override
        public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
            switch (msg) {
                case Increment i -> total += i.by();
                case Get g -> g.replyTo().tell(total);
            }
        }
    }

    /** Arguments: name port cookie aeron-directory [bind-host [seed-node ...]]. */
    public static void main(String[] args) throws Exception {
        String name = args[0];
        int port = Integer.parseInt(args[1]);
        String cookie = args[2];
        String aeronDir = args[3];
        String host = args.length > 4 ? args[4] : "127.0.0.1";
        String[] seeds = args.length > 5 ? java.util.Arrays.copyOfRange(args, 5, args.length) : new String[0];
        ActorSystem system = ActorSystem.builder().name(name).build();
        RemoteActors remote = RemoteActors.start(system, RemoteSettings.bind(host, port).seedNodes(seeds)
                .allow(CounterMsg.class).cookie(cookie).aeronDirectory(aeronDir));
        system.spawnActor("counter", Counter::new);
        ActorRef<NodeEvent> printer = system.spawnActor("events", () -> (ctx, e) -> {
            switch (e) {
                case NodeEvent.NodeUp up -> System.out.println("EVENT UP " + up.node());
                case NodeEvent.NodeDown down -> System.out.println("EVENT DOWN " + down.node() + " " + down.reason());
            }
            System.out.flush();
        });
        remote.subscribe(printer);
        System.out.println("READY " + remote.address());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the launcher closes our stdin (or kills us)
        }
        system.close();
        System.out.println("CLOSED");
    }

    // ---------------------------------------------------------------- launcher

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final NodeAddress address;

    private NodeProcess(Process process) throws InterruptedException {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        }, "node-output");
        reader.setDaemon(true);
        reader.start();
        this.address = NodeAddress.parse(awaitLine("READY ", 60).substring("READY ".length()));
    }

    /** Starts a node process on 127.0.0.1 and waits (at most 60 s) until it listens. */
    static NodeProcess start(String name, int port, String cookie, File aeronDir) throws IOException, InterruptedException {
        return start(List.of(), name, port, cookie, aeronDir, "127.0.0.1", List.of());
    }

    /**
     * Starts a node process, its command line prefixed by {@code prefix} (for instance
     * {@code ip netns exec <ns>}), bound to {@code host}, dialling {@code seeds}; waits (at most
     * 60 s) until it listens.
     */
    static NodeProcess start(List<String> prefix, String name, int port, String cookie, File aeronDir, String host,
                             List<String> seeds) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(java, "-Xmx256m",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                NodeProcess.class.getName(), name, Integer.toString(port), cookie, aeronDir.getAbsolutePath(), host));
        cmd.addAll(seeds);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            return new NodeProcess(p);
        } catch (AssertionError | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    NodeAddress address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    /** The first output line starting with {@code prefix} within {@code seconds}; the output so far if none. */
    String awaitLine(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
                seen.append(line).append('\n');
            }
            if (line == null && !process.isAlive()) {
                break;
            }
        }
        throw new AssertionError("no '" + prefix + "' line from the node within " + seconds + " s; its output:\n" + seen);
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** kill -STOP or -CONT. */
    void signal(String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Closes its stdin (an orderly leave), then kills it if it has not ended within 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // it is going away anyway
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
