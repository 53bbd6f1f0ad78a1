package dev.kabuki.benchmarks;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.RuntimeMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A diagnostic for W4b, not a benchmark: kabuki's side of W4b (one thread asking one echo
 * actor, at most 1,000 asks outstanding) in a plain loop of rounds, printing per round what JMH
 * cannot show: how often and how long the asking thread waited for the window (the echo side
 * had fallen 1,000 asks behind), the CPU time of each runtime thread, and p50/p99 latency.
 * When a wait passes 0.3 ms it also measures, without stopping the world, how long until the
 * actor leaves the injection queue and until its mailbox starts draining again.
 *
 * <pre>
 * mvn -q -DskipTests -pl benchmarks -am package
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar \
 *     dev.kabuki.benchmarks.W4bStallProbe [rounds=10] [asks=1000000]
 * </pre>
 * (a Java 21+ {@code java}). Single-threaded driver; exits when done.
 */
public final class W4bStallProbe {
    private static final int WINDOW = 1000;
    private static final long STALL_NANOS = TimeUnit.MICROSECONDS.toNanos(300);

    record Echo(long value, ActorRef<Long> replyTo) {}

    private W4bStallProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (ActorSystem system = ActorSystem.builder().workerThreads(2).threadNamePrefix("probe").build()) {
            ActorRef<Echo> echo = system.spawnActor("echo", () -> (ctx, m) -> m.replyTo().tell(m.value()));
            long[] latency = new long[n];
            for (int round = 1; round <= rounds; round++) {
                Semaphore window = new Semaphore(WINDOW);
                LongAdder sum = new LongAdder();
                Map<String, Long> cpuBefore = threadCpu(mx);
                RuntimeMetrics before = system.metrics();
                long waits = 0;
                long waitedNanos = 0;
                long longestWait = 0;
                StringBuilder stalls = new StringBuilder();
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (!window.tryAcquire()) {
                        long w0 = System.nanoTime();
                        if (!window.tryAcquire(STALL_NANOS, TimeUnit.NANOSECONDS)) {
                            if (stalls.length() < 600) {
                                stalls.append(probeStall(system, echo)).append('\n');
                            }
                            window.acquire();
                        }
                        long waited = System.nanoTime() - w0;
                        waits++;
                        waitedNanos += waited;
                        longestWait = Math.max(longestWait, waited);
                    }
                    final int idx = i;
                    final long sent = System.nanoTime();
                    echo.<Long>ask(r -> new Echo(idx, r), Duration.ofSeconds(30)).whenComplete((v, e) -> {
                        latency[idx] = System.nanoTime() - sent;
                        if (v != null) {
                            sum.add(v);
                        }
                        window.release();
                    });
                }
                window.acquire(WINDOW);
                long elapsed = System.nanoTime() - start;
                Peers.check("W4bStallProbe sum of replies", sum.sum(), (long) n * (n - 1) / 2);
                long[] sorted = latency.clone();
                Arrays.sort(sorted);
                System.out.printf("round %d: %.2f M asks/s; waited for the window %d times, %.1f ms in all, "
                                + "longest %.2f ms; worker parks %d; p50 %.1f us, p99 %.1f us%n  cpu ms: %s%n%s",
                        round, n / (elapsed / 1e9) / 1e6, waits, waitedNanos / 1e6, longestWait / 1e6,
                        system.metrics().core().parks() - before.core().parks(), sorted[n / 2] / 1e3, sorted[n / 100 * 99] / 1e3,
                        cpuSince(mx, cpuBefore), stalls);
            }
        }
    }

    /** After a 0.3 ms wait: how long until the actor leaves the global queue and its mailbox drains. */
    private static String probeStall(ActorSystem system, ActorRef<Echo> echo) {
        int depth = echo.mailboxDepth();
        RuntimeMetrics m = system.metrics();
        long queued = m.core().globalQueueDepth();
        long t0 = System.nanoTime();
        long leftQueue = queued == 0 ? 0 : -1;
        long draining = -1;
        while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(20)) {
            long now = System.nanoTime() - t0;
            if (leftQueue < 0 && system.metrics().core().globalQueueDepth() == 0) {
                leftQueue = now;
            }
            if (echo.mailboxDepth() < depth) {
                draining = now;
                break;
            }
            Thread.onSpinWait();
        }
        return String.format("  stall: mailbox %d, in the global queue: %s (workers parked %d, searching %d);"
                        + " left it after %.0f us, mailbox draining after %s",
                depth, queued > 0 ? "yes" : "no", m.core().parkedWorkers(), m.core().searchingWorkers(), Math.max(0, leftQueue) / 1e3,
                draining < 0 ? "> 20 ms" : String.format("%.0f us", draining / 1e3));
    }

    private static Map<String, Long> threadCpu(ThreadMXBean mx) {
        Map<String, Long> cpu = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            cpu.put(t.getName(), mx.getThreadCpuTime(t.threadId()));
        }
        return cpu;
    }

    private static String cpuSince(ThreadMXBean mx, Map<String, Long> before) {
        StringBuilder sb = new StringBuilder();
        threadCpu(mx).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Long b = before.get(e.getKey());
            long ms = b == null ? 0 : (e.getValue() - b) / 1_000_000;
            if (ms >= 2) {
                sb.append(e.getKey()).append('=').append(ms).append(' ');
            }
        });
        return sb.toString().trim();
    }
}
