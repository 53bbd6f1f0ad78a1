package dev.kabuki.benchmarks;

import dev.kabuki.actors.ActorSystem;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The threads-alive half of W6, outside JMH: runs one blocking burst (see
 * {@link W6BlockingBurst}: 1,000 tasks x 10 ms sleep, cap 512, keep-alive 1 s) on a fresh pool
 * per side, then reports the pool's live threads right after the burst and 2 s later, so the
 * claim "all threads are gone after keep-alive" is measured, not argued.
 *
 * <p>Sides: kabuki's blocking pool, the ThreadPoolExecutor peer and the Pekko dispatcher of
 * {@link W6BlockingBurst} (a fresh Pekko system per round; tasks as futures on the dispatcher).
 *
 * <p>Two counts per side: what the pool says ({@code metrics().blocking().liveThreads()} for
 * kabuki, {@code getPoolSize()} for the ThreadPoolExecutor; Pekko exposes no pool size, so its
 * "pool" count is the JVM count) and what the JVM says: live threads whose name starts with the
 * pool's prefix, via {@link ThreadMXBean} ({@code <prefix>-blocking-} for kabuki,
 * {@code <prefix>-} for the TPE, {@code <system>-kabuki-bench.w6-blocking-dispatcher-} for Pekko).
 * "Created" is the blocking threads started (kabuki's {@code onThreadStart} hook), the TPE's
 * largest pool size, and for Pekko the distinct threads that ran a task (on a cold pool every
 * thread it creates starts with a task). It also prints a timeline (every 250 ms) and checks
 * that after shutdown no thread of the pool is left.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.kabuki.benchmarks.W6ThreadsAlive [kabuki|tpe|jdk|pekko|both|all] [rounds]
 * </pre>
 * {@code jdk} = {@code tpe} (the JDK peer); {@code both} = kabuki and tpe; {@code all} (the default) = all three. Per side and round two
 * lines are machine-readable: {@code W6ThreadsAlive side=... key=value ...} (all the counts),
 * and the suite's {@code RESULT workload=W6 ... metric=threads_after_burst value=<n>} and
 * {@code ... metric=threads_after_keepalive value=<n>} lines (side {@code jdk} for tpe), where both counts are the <b>JVM</b> count (live threads named with the pool's prefix, the same
 * method for every side) right after the burst and 2 s later (keep-alive 1 s).
 */
public final class W6ThreadsAlive {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final long LATER_MS = 2000;
    private static final long STEP_MS = 250;

    private W6ThreadsAlive() {
    }

    public static void main(String[] args) throws Exception {
        String side = args.length > 0 ? args[0] : "all";
        if (side.equals("jdk")) {
            side = "tpe"; // the suite's name for the JDK peer
        }
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        if (!List.of("kabuki", "tpe", "pekko", "both", "all").contains(side)) {
            System.err.println("usage: W6ThreadsAlive [kabuki|tpe|jdk|pekko|both|all] [rounds]");
            System.exit(2);
        }
        boolean all = side.equals("all");
        boolean both = side.equals("both");
        for (int r = 1; r <= rounds; r++) {
            if (all || both || side.equals("kabuki")) {
                kabuki(r);
            }
            if (all || both || side.equals("tpe")) {
                tpe(r);
            }
            if (all || side.equals("pekko")) {
                pekko(r);
            }
        }
    }

    private static void kabuki(int round) {
        String prefix = "kabuki-w6a" + round;
        String poolPrefix = prefix + "-blocking-";
        AtomicInteger created = new AtomicInteger();
        ActorSystem system = W6BlockingBurst.newKabuki(0, prefix, () -> {
            if (Thread.currentThread().getName().startsWith(poolPrefix)) {
                created.incrementAndGet();
            }
        });
        long t0 = System.nanoTime();
        W6BlockingBurst.burst(system);
        long end = System.nanoTime();
        IntSupplier poolLive = () -> system.metrics().blocking().liveThreads();
        Observation o = observe(end, poolLive, poolPrefix);
        var report = system.shutdown(Duration.ofSeconds(10));
        int leftAfterClose = liveThreadsNamed(prefix);
        print("kabuki", round, (end - t0) / 1e6, created.get(), o,
                "shutdown_clean=" + report.clean() + " threads_left_after_close=" + leftAfterClose);
        if (!report.clean() || leftAfterClose != 0) {
            System.out.println("[kabuki-bench SUSPICIOUS] kabuki W6: shutdown report " + report
                    + ", threads named " + prefix + "* still alive: " + leftAfterClose);
        }
    }

    private static void tpe(int round) throws Exception {
        String prefix = "tpe-w6a" + round;
        ThreadPoolExecutor pool = W6BlockingBurst.newTpe(prefix);
        long t0 = System.nanoTime();
        W6BlockingBurst.burst(pool);
        long end = System.nanoTime();
        Observation o = observe(end, pool::getPoolSize, prefix + "-");
        pool.shutdown();
        boolean terminated = pool.awaitTermination(10, TimeUnit.SECONDS);
        print("tpe", round, (end - t0) / 1e6, pool.getLargestPoolSize(), o,
                "terminated=" + terminated + " threads_left_after_close=" + liveThreadsNamed(prefix + "-"));
    }

    private static void pekko(int round) throws Exception {
        String name = "pekko-w6a" + round;
        String poolPrefix = name + "-" + W6BlockingBurst.PEKKO_DISPATCHER + "-";
        var system = W6BlockingBurst.newPekko(0, name);
        Executor dispatcher = W6BlockingBurst.pekkoDispatcher(system);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        @SuppressWarnings("unchecked")
        CompletableFuture<Object>[] f = new CompletableFuture[W6BlockingBurst.TASKS];
        long t0 = System.nanoTime();
        for (int i = 0; i < f.length; i++) {
            f[i] = CompletableFuture.supplyAsync(() -> {
                ran.add(Thread.currentThread());
                return W6BlockingBurst.SLEEP_SUPPLIER.get();
            }, dispatcher);
        }
        int done = 0;
        for (CompletableFuture<Object> x : f) {
            x.get();
            done++;
        }
        long end = System.nanoTime();
        if (done != W6BlockingBurst.TASKS) {
            throw new IllegalStateException("W6 pekko joined " + done + " of " + W6BlockingBurst.TASKS + " tasks");
        }
        IntSupplier jvmLive = () -> liveThreadsNamed(poolPrefix);
        Observation o = observe(end, jvmLive, poolPrefix);
        Peers.closePekko(system, "W6ThreadsAlive");
        int leftAfterClose = liveThreadsNamed(poolPrefix);
        String sample = ran.isEmpty() ? "none" : ran.iterator().next().getName();
        print("pekko", round, (end - t0) / 1e6, ran.size(), o, "threads_left_after_close=" + leftAfterClose);
        if (o.jvmAfter == 0 || !sample.startsWith(poolPrefix)) {
            System.out.println("[kabuki-bench SUSPICIOUS] pekko W6: no live thread named " + poolPrefix
                    + "* right after the burst; a pool thread is named " + sample);
        }
        if (leftAfterClose != 0) {
            System.out.println("[kabuki-bench SUSPICIOUS] pekko W6: threads named " + poolPrefix
                    + "* still alive after termination: " + leftAfterClose);
        }
    }

    /** Counts right after {@code end}, every STEP_MS, and at end + LATER_MS. */
    private record Observation(int poolAfter, int jvmAfter, int poolLater, int jvmLater,
            long lastPoolThreadSeenMs, List<String> timeline) {
    }

    private static Observation observe(long end, IntSupplier poolLive, String jvmPrefix) {
        int poolAfter = poolLive.getAsInt();
        int jvmAfter = liveThreadsNamed(jvmPrefix);
        List<String> timeline = new ArrayList<>();
        timeline.add(String.format(Locale.ROOT, "t=%4dms pool=%3d jvm=%3d", (System.nanoTime() - end) / 1_000_000,
                poolAfter, jvmAfter));
        long lastSeen = 0;
        for (long at = STEP_MS; at <= LATER_MS; at += STEP_MS) {
            sleepUntil(end + at * 1_000_000);
            int p = poolLive.getAsInt();
            int j = liveThreadsNamed(jvmPrefix);
            long t = (System.nanoTime() - end) / 1_000_000;
            if (p > 0 || j > 0) {
                lastSeen = t;
            }
            timeline.add(String.format(Locale.ROOT, "t=%4dms pool=%3d jvm=%3d", t, p, j));
        }
        Observation o = new Observation(poolAfter, jvmAfter, poolLive.getAsInt(), liveThreadsNamed(jvmPrefix),
                lastSeen, timeline);
        return o;
    }

    private static void print(String side, int round, double wallMs, int created, Observation o, String extra) {
        System.out.println("-- W6 " + side + " round " + round + ": burst " + String.format(Locale.ROOT, "%.1f", wallMs)
                + " ms, pool threads created " + created);
        for (String line : o.timeline) {
            System.out.println("   " + line);
        }
        System.out.println(String.format(Locale.ROOT,
                "W6ThreadsAlive side=%s round=%d wall_ms=%.1f created=%d pool_after=%d jvm_after=%d"
                        + " pool_2s=%d jvm_2s=%d last_seen_ms=%d %s",
                side, round, wallMs, created, o.poolAfter, o.jvmAfter, o.poolLater, o.jvmLater,
                o.lastPoolThreadSeenMs, extra));
        // The suite's result lines (benchmarks/run), where the JDK peer is called "jdk".
        String suiteSide = side.equals("tpe") ? "jdk" : side;
        System.out.println(String.format(Locale.ROOT,
                "RESULT workload=W6 shape=- side=%s iter=%d metric=threads_after_burst value=%d", suiteSide, round, o.jvmAfter));
        System.out.println(String.format(Locale.ROOT,
                "RESULT workload=W6 shape=- side=%s iter=%d metric=threads_after_keepalive value=%d", suiteSide, round,
                o.jvmLater));
    }

    /** Live JVM threads whose name starts with {@code prefix}. */
    static int liveThreadsNamed(String prefix) {
        int n = 0;
        for (ThreadInfo ti : THREADS.getThreadInfo(THREADS.getAllThreadIds(), 0)) {
            if (ti != null && ti.getThreadName().startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    private static void sleepUntil(long deadlineNanos) {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
