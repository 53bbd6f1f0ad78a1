package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * W3b idle actors (WORKLOADS.md), a plain main program (not JMH), one side per fresh JVM:
 * <pre>
 *   java -Xms8g -Xmx8g -cp benchmarks.jar dev.kabuki.benchmarks.W3bIdleActors kabuki|pekko|jdk [N] [workers] [passes] [warm-up passes]
 * </pre>
 * <ol>
 *   <li>Start the runtime, allocate the array of N refs, then {@code System.gc()} a few times and
 *       read used heap ({@link MemoryMXBean}): the baseline.</li>
 *   <li>Spawn N = 1,000,000 actors that keep no state (every side shares one stateless
 *       behaviour / handler instance); wait until they are all started (kabuki and Pekko start
 *       actors asynchronously, so the program lets the system settle), full GC again, read used
 *       heap: bytes per idle actor = (used - baseline) / N.</li>
 *   <li>Wake-up passes: send each actor one new {@code Wake} message (from this thread) and wait
 *       until all N have processed it (a shared countdown in the message; the actor that brings
 *       it to zero opens a latch): messages/s. {@code passes} passes (default 6); the first {@code warm-up passes} (default 3) are
 *       JIT warm-up, the figure is the median of the rest; CPU time per pass is reported too.</li>
 *   <li>Full GC, used heap again (bytes per actor after the actors have each processed messages).</li>
 * </ol>
 * Sides: kabuki ({@code spawnActor("idle-" + i, () -> IDLE)}), Pekko typed (the guardian spawns
 * {@code ctx.spawn(IDLE, "idle-" + i)}), JDK (N virtual threads each parked in
 * {@code LinkedTransferQueue.take()}). Output: the suite's result lines ({@code RESULT} /
 * {@code WARMUP}, see {@code benchmarks/run}): bytes per idle actor once, then one line per pass;
 * and a summary line starting {@code W3bIdleActors} with key=value pairs.
 */
public final class W3bIdleActors {
    private W3bIdleActors() {
    }

    /** One wake-up message; the actor counts down the pass's counter. */
    record Wake(AtomicInteger remaining, CountDownLatch done) {
        void processed() {
            if (remaining.decrementAndGet() == 0) {
                done.countDown();
            }
        }
    }

    /** kabuki's stateless actor, one instance shared by every actor. */
    static final Actor<Wake> KABUKI_IDLE = new Actor<>() {
        @Override
        public void receive(ActorContext<Wake> ctx, Wake msg) {
            msg.processed();
        }
    };

    /** Pekko's stateless behaviour, one instance shared by every actor. */
    static final Behavior<Wake> PEKKO_IDLE = Behaviors.receiveMessage(msg -> {
        msg.processed();
        return Behaviors.same();
    });

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * A settling pause in proportion to the actor count: {@code fullSize} ms at 1,000,000 actors
     * (the full-size run) and above, down to a tenth of it for the smoke run's few thousand.
     */
    static long settleMillis(int n, long fullSize) {
        return Math.max(fullSize / 10, fullSize * Math.min(n, 1_000_000) / 1_000_000);
    }

    static long usedHeapAfterGc(int n) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(settleMillis(n, 200));
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Sends each target one message through {@code send}, returns the pass's wall time in ns. */
    interface Side {
        void spawnAll() throws Exception;

        void send(int i, Wake w);

        void close() throws Exception;
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // A runtime's non-daemon threads would keep the JVM alive: report and exit.
            System.err.println("[kabuki-bench SUSPICIOUS] W3b failed: " + t);
            t.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: W3bIdleActors kabuki|pekko|jdk [N=1000000] [workers=0] [passes=6] [warm-up passes=3]");
            System.exit(2);
        }
        final String sideName = args[0];
        final int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        final int workers = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        final int passes = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        final int warmups = args.length > 4 ? Integer.parseInt(args[4]) : Math.min(3, passes - 1);

        Side side = switch (sideName) {
            case "kabuki" -> new Side() {
                final ActorSystem system = Peers.newKabuki(workers, "kabuki-w3b");
                @SuppressWarnings("unchecked")
                final ActorRef<Wake>[] refs = new ActorRef[n];

                @Override
                public void spawnAll() {
                    for (int i = 0; i < n; i++) {
                        refs[i] = system.spawnActor("idle-" + i, () -> KABUKI_IDLE);
                    }
                }

                @Override
                public void send(int i, Wake w) {
                    refs[i].tell(w);
                }

                @Override
                public void close() {
                    Peers.closeKabuki(system, "W3b");
                }
            };
            case "pekko" -> new Side() {
                final org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system =
                        Peers.newPekko(workers, "pekko-w3b");
                @SuppressWarnings("unchecked")
                final org.apache.pekko.actor.typed.ActorRef<Wake>[] refs = new org.apache.pekko.actor.typed.ActorRef[n];

                @Override
                public void spawnAll() {
                    Peers.pekkoSpawnMany(system, i -> PEKKO_IDLE, "idle-", refs);
                }

                @Override
                public void send(int i, Wake w) {
                    refs[i].tell(w);
                }

                @Override
                public void close() {
                    Peers.closePekko(system, "W3b");
                }
            };
            case "jdk" -> new Side() {
                {
                    Peers.configureVirtualThreads(workers);
                }

                @SuppressWarnings("unchecked")
                final VtActor<Wake>[] refs = new VtActor[n];

                @Override
                public void spawnAll() {
                    java.util.function.Consumer<Wake> handler = Wake::processed;
                    for (int i = 0; i < n; i++) {
                        refs[i] = new VtActor<>(handler);
                    }
                }

                @Override
                public void send(int i, Wake w) {
                    refs[i].tell(w);
                }

                @Override
                public void close() throws InterruptedException {
                    for (VtActor<Wake> a : refs) {
                        a.stop();
                    }
                    for (VtActor<Wake> a : refs) {
                        a.join();
                    }
                }
            };
            default -> throw new IllegalArgumentException("side must be kabuki, pekko or jdk: " + sideName);
        };

        // A tiny warm-up of the send path's classes before the baseline (not of the actors).
        final long base = usedHeapAfterGc(n);
        long t0 = System.nanoTime();
        side.spawnAll();
        long spawnNs = System.nanoTime() - t0;
        // Let asynchronous starts finish (kabuki and Pekko run each actor's start on a worker;
        // virtual threads run until they park in take()).
        Thread.sleep(settleMillis(n, 2000));
        final long idle = usedHeapAfterGc(n);
        final double bytesPerActor = (double) (idle - base) / n;
        System.out.printf(java.util.Locale.ROOT,
                "RESULT workload=W3b shape=- side=%s iter=0 metric=bytes_per_actor value=%.1f%n", sideName, bytesPerActor);

        double[] rates = new double[passes];
        double[] cpuMs = new double[passes];
        for (int p = 0; p < passes; p++) {
            AtomicInteger remaining = new AtomicInteger(n);
            CountDownLatch done = new CountDownLatch(1);
            long cpu0 = OS.getProcessCpuTime();
            long w0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                side.send(i, new Wake(remaining, done));
            }
            if (!done.await(120, TimeUnit.SECONDS)) {
                System.err.println("[kabuki-bench SUSPICIOUS] W3b " + sideName + " pass " + p + ": only "
                        + (n - remaining.get()) + " of " + n + " processed after 120 s");
                System.exit(1);
            }
            long wall = System.nanoTime() - w0;
            cpuMs[p] = (OS.getProcessCpuTime() - cpu0) / 1e6;
            rates[p] = n / (wall / 1e9);
            Peers.check("W3b " + sideName + " remaining", remaining.get(), 0);
            boolean warm = p < warmups;
            System.out.printf(java.util.Locale.ROOT,
                    "%s workload=W3b shape=- side=%s iter=%d metric=rate value=%.6g cpu_ms=%.1f wall_ms=%.1f%n",
                    warm ? "WARMUP" : "RESULT", sideName, warm ? p + 1 : p - warmups + 1, rates[p], cpuMs[p], wall / 1e6);
        }
        final long after = usedHeapAfterGc(n);
        double[] measured = Arrays.copyOfRange(rates, warmups, passes);
        double[] measuredCpu = Arrays.copyOfRange(cpuMs, warmups, passes);
        side.close();
        System.out.printf(java.util.Locale.ROOT,
                "W3bIdleActors side=%s n=%d workers=%d base_mb=%.1f idle_mb=%.1f bytes_per_actor=%.1f"
                        + " bytes_per_actor_after=%.1f spawn_ms=%.0f wake_rate=%.0f wake_cpu_ms=%.0f"
                        + " wake_wall_ms=%.0f first_pass_rate=%.0f rates=%s%n",
                sideName, n, Peers.workers(workers), base / 1e6, idle / 1e6, bytesPerActor,
                (double) (after - base) / n, spawnNs / 1e6, median(measured), median(measuredCpu),
                n / median(measured) * 1e3, rates[0], Arrays.toString(Arrays.stream(rates).mapToLong(Math::round).toArray()));
        System.exit(0);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
