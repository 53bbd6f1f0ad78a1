package dev.kabuki.benchmarks.remote.harness;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.HdrHistogram.Histogram;

/**
 * The remote benchmark's driver, the same for every side (kabuki and the Pekko peers): parses the
 * command line, starts a server node or a client node through a {@link RemoteBenchSide}, runs the
 * workload for timed iterations and prints one suite {@code RESULT} line per iteration.
 *
 * <pre>
 * server [--host 127.0.0.1] [--port 0]
 *     prints "listening on ADDR" and serves until SIGTERM
 * client --server ADDR --mode R1|R2|idle [--host 127.0.0.1] [--server-pid PID] [--shape -]
 *        [--warmup 3] [--iterations 5] [--duration 5] [--size 100] [--window 2000] [--ack-every 100]
 *        [--idle 10]
 *     R1: ping-pong, one message in flight: round trips/s, p50/p99/p999
 *     R2: one-way, at most WINDOW unacknowledged: messages/s
 *     idle: the two connected nodes doing nothing for IDLE seconds: CPU % of one core per node
 * </pre>
 *
 * A RESULT line: {@code RESULT workload=R1 shape=- side=kabuki iter=1 metric=rate value=.. cpu_ms=..
 * wall_ms=.. p50_us=.. p99_us=.. p999_us=.. client_cpu_ms=.. server_cpu_ms=..} where cpu_ms is both
 * nodes' CPU in the iteration (server_cpu_ms is -1 without --server-pid); warm-up iterations print
 * WARMUP instead of RESULT. An iteration in which nothing completed fails the run (exit 1).
 */
public final class RemoteBenchMain {
    private RemoteBenchMain() {
    }

    /** Runs the driver for {@code side}, named {@code sideName} in RESULT lines; exits the JVM. */
    public static void run(String sideName, RemoteBenchSide side, String[] args) {
        int status;
        try {
            status = runOrThrow(sideName, side, args);
        } catch (IllegalArgumentException e) {
            System.err.println("remote bench: " + e.getMessage());
            System.err.println("usage: server [--host H] [--port P] | client --server ADDR --mode R1|R2|idle "
                    + "[--host H] [--server-pid PID] [--shape S] [--warmup N] [--iterations N] [--duration S] "
                    + "[--size BYTES] [--window N] [--ack-every N] [--idle S]");
            status = 2;
        } catch (Throwable e) {
            System.err.println("remote bench FAILED: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.out.flush();
        Runtime.getRuntime().halt(status);
    }

    private static int runOrThrow(String sideName, RemoteBenchSide side, String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("missing role (server or client)");
        }
        Map<String, String> opt = options(args);
        String host = opt.getOrDefault("host", "127.0.0.1");
        switch (args[0]) {
            case "server" -> {
                String address = side.serve(host, Integer.parseInt(opt.getOrDefault("port", "0")));
                System.out.println("listening on " + address);
                System.out.flush();
                CountDownLatch stopped = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        side.shutdown();
                    } catch (Exception e) {
                        System.err.println("remote bench: shutdown: " + e);
                    }
                    stopped.countDown();
                }));
                stopped.await();
                return 0;
            }
            case "client" -> {
                return client(sideName, side, host, opt);
            }
            default -> throw new IllegalArgumentException("unknown role '" + args[0] + "'");
        }
    }

    private static int client(String sideName, RemoteBenchSide side, String host, Map<String, String> opt)
            throws Exception {
        String address = required(opt, "server");
        String mode = required(opt, "mode");
        String serverPid = opt.get("server-pid");
        String shape = opt.getOrDefault("shape", "-");
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "3"));
        int iterations = Integer.parseInt(opt.getOrDefault("iterations", "5"));
        double seconds = Double.parseDouble(opt.getOrDefault("duration", "5"));
        int size = Integer.parseInt(opt.getOrDefault("size", "100"));
        int window = Integer.parseInt(opt.getOrDefault("window", "2000"));
        int ackEvery = Integer.parseInt(opt.getOrDefault("ack-every", "100"));
        if (window <= 0 || ackEvery <= 0 || window % ackEvery != 0) {
            throw new IllegalArgumentException("--window must be a positive multiple of --ack-every");
        }
        if (!mode.equals("R1") && !mode.equals("R2") && !mode.equals("idle")) {
            throw new IllegalArgumentException("--mode must be R1, R2 or idle, not '" + mode + "'");
        }
        RemoteBenchClient client = side.connect(host, address, Duration.ofSeconds(60));
        // The node is shut down on every way out, a failed iteration's too: the harness ends the JVM
        // with halt (no shutdown hooks), and a node not shut down leaves its Aeron directory in /dev/shm.
        try {
            return measure(sideName, client, mode, serverPid, shape, warmup, iterations, seconds, size, window,
                    ackEvery, opt);
        } finally {
            side.shutdown();
        }
    }

    private static int measure(String sideName, RemoteBenchClient client, String mode, String serverPid, String shape,
                               int warmup, int iterations, double seconds, int size, int window, int ackEvery,
                               Map<String, String> opt) throws Exception {
        String tag = "side=" + sideName;
        if (mode.equals("idle")) {
            double idleSeconds = Double.parseDouble(opt.getOrDefault("idle", "10"));
            Thread.sleep(1000); // let the connection's start-up work (class loading, JIT) settle
            long c0 = ProcessCpu.millis("self");
            long s0 = serverPid == null ? -1 : ProcessCpu.millis(serverPid);
            long t0 = System.nanoTime();
            Thread.sleep((long) (idleSeconds * 1000));
            double wallMs = (System.nanoTime() - t0) / 1e6;
            double clientPct = 100.0 * (ProcessCpu.millis("self") - c0) / wallMs;
            double serverPct = serverPid == null ? -1 : 100.0 * (ProcessCpu.millis(serverPid) - s0) / wallMs;
            System.out.printf(Locale.ROOT, "RESULT workload=R0 shape=idle %s iter=1 metric=idle_cpu value=%.2f "
                            + "cpu_ms=%d wall_ms=%.1f client_cpu_pct=%.2f server_cpu_pct=%.2f%n",
                    tag, Math.max(clientPct, serverPct), Math.round((clientPct + Math.max(0, serverPct)) * wallMs / 100),
                    wallMs, clientPct, serverPct);
            return 0;
        }
        RemoteBenchProbe probe = new RemoteBenchProbe();
        if (mode.equals("R1")) {
            client.startPingPong(size, probe);
        } else {
            client.startOneWay(size, window, ackEvery, probe);
        }
        for (int i = 1; i <= warmup + iterations; i++) {
            long done0 = probe.done();
            long c0 = ProcessCpu.millis("self");
            long s0 = serverPid == null ? -1 : ProcessCpu.millis(serverPid);
            probe.takeInterval();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long done = probe.done() - done0;
            double wallMs = (System.nanoTime() - t0) / 1e6;
            Histogram latency = probe.takeInterval();
            long clientCpu = ProcessCpu.millis("self") - c0;
            long serverCpu = serverPid == null ? -1 : ProcessCpu.millis(serverPid) - s0;
            if (done == 0) {
                System.out.printf(Locale.ROOT, "FAILED: %s %s: nothing completed in iteration %d (%.0f ms)%n",
                        mode, tag, i, wallMs);
                return 1;
            }
            boolean measured = i > warmup;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "%s workload=%s shape=%s %s iter=%d metric=rate value=%.6g cpu_ms=%d wall_ms=%.1f",
                    measured ? "RESULT" : "WARMUP", mode, shape, tag, measured ? i - warmup : i,
                    done * 1000.0 / wallMs, clientCpu + Math.max(0, serverCpu), wallMs));
            if (mode.equals("R1")) {
                line.append(String.format(Locale.ROOT, " p50_us=%.1f p99_us=%.1f p999_us=%.1f",
                        latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                        latency.getValueAtPercentile(99.9) / 1e3));
            }
            line.append(" client_cpu_ms=").append(clientCpu).append(" server_cpu_ms=").append(serverCpu);
            System.out.println(line);
            System.out.flush();
        }
        client.stop();
        return 0;
    }

    private static String required(Map<String, String> opt, String name) {
        String v = opt.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opt = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got '" + args[i] + "'");
            }
            opt.put(args[i].substring(2), args[++i]);
        }
        return opt;
    }
}
