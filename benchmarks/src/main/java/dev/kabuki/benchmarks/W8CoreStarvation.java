package dev.kabuki.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W8 core starvation (WORKLOADS.md): W1 ping-pong runs for {@code seconds} of wall time while
 * blocking work runs next to it; the figure is the ping-pong's round trips/s, with the blocking
 * work (shapes "pool", "core") and without it ("solo"). The claim under test: blocking work put
 * where the runtime tells users to put it does not slow the core actors (within 20% of solo).
 *
 * <h2>The figure is printed, not JMH's score</h2>
 * One invocation prints one line
 * {@code [W8] shape=<s> side=<side> round_trips=<n> elapsed_ms=<x> rate=<r>}, rate = round trips
 * per second; the measured iterations' lines are the last {@code i}. A line break comes first,
 * so that the line starts a line of its own after JMH's {@code "Iteration   n: "}. JMH's
 * single-shot score is the invocation's wall time (about {@code seconds}, more when the pinger
 * reports late) and is not the figure.
 *
 * <h2>One invocation</h2>
 * <ol>
 *   <li>(Untimed, {@code Level.Invocation} setup) For shapes "pool" and "core", 2 x workers
 *       <b>blocking loops</b> start: plain threads outside the runtime, each of which submits one
 *       task that sleeps 50 ms, waits for it, and submits the next, until stopped.</li>
 *   <li>The benchmark thread notes the time and gives the ball to the ponger; the ping-pong is
 *       W1's (two actors, one new message per hop, strictly one in flight).</li>
 *   <li>After {@code seconds} it sets the run's volatile {@code stop}. The pinger reads it once
 *       per round trip; when it sees it, it completes the run's future with its count of round
 *       trips and stops sending. elapsed = from the start until the count has arrived, so a
 *       starved pinger that reports late is charged for it. The wait is bounded (120 s), so
 *       the invocation returns even when the workers are starved; beyond that it fails.</li>
 *   <li>(Untimed, {@code Level.Invocation} teardown) The loops are stopped and joined; any
 *       failure of a blocking task, or a loop that completed no task, fails the run. A line
 *       {@code [W8-loops] shape=<s> side=<side> loops=<n> blocking_tasks=<n>} says how many
 *       blocking tasks ran during the invocation.</li>
 * </ol>
 *
 * <h2>Where the blocking tasks run</h2>
 * <ul>
 *   <li><b>kabuki</b>, "pool": {@code system.spawnBlocking(sleep 50 ms).join()}: the elastic
 *       blocking dispatcher, which docs/runtime.md tells users to use for sleeps and blocking
 *       calls (an actor that must block would be tagged {@code @Blocking}, which runs on the same
 *       pool). "core": {@code system.spawn(sleep 50 ms).join()}: the same sleep wrongly on the
 *       core dispatcher, where the actors run.</li>
 *   <li><b>Pekko</b>, "pool": the dedicated dispatcher Pekko's "Blocking Needs Careful
 *       Management" docs recommend, {@code type = Dispatcher}, {@code executor =
 *       "thread-pool-executor"}, {@code fixed-pool-size = max(16, 2 x workers)},
 *       {@code throughput = 1}, looked up with {@code DispatcherSelector.fromConfig}; each task
 *       is a future on it ({@code CompletableFuture.runAsync(sleep, dispatcher)}: the dispatcher
 *       is the {@code ExecutionContextExecutor} a Scala {@code Future} would run on).
 *       "core": the same futures on {@code system.executionContext()}, the default dispatcher
 *       (the fork-join pool of {@code workers} threads) where the actors run.</li>
 * </ul>
 * There is no JDK side: with virtual threads a sleep unmounts from its carrier, so there is no
 * wrong place to put it and "core" would be the same as "pool".
 *
 * <p>The actors live for the whole trial; {@code workers} = 0 means cores, for both sides.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W8CoreStarvation {
    /** Each blocking task's sleep. */
    static final long BLOCK_MS = 50;
    /** Longest wait for the pinger's count after {@code stop}, before the invocation fails. */
    static final long REPORT_TIMEOUT_S = 120;
    /** Pekko's blocking dispatcher, configured in {@link #pekkoConfig}. */
    static final String PEKKO_BLOCKING = "kabuki-bench.w8-blocking-dispatcher";

    /** One invocation's stop flag (written by the benchmark thread) and the pinger's report. */
    static final class Run {
        volatile boolean stop;
        final CompletableFuture<Long> rounds = new CompletableFuture<>();
    }

    /** The blocking task: sleeps 50 ms. */
    static final Runnable SLEEP = () -> {
        try {
            Thread.sleep(BLOCK_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("blocking task interrupted", e);
        }
    };

    /** Submits one blocking task and waits for it; throws when it failed. */
    @FunctionalInterface
    interface SubmitAndWait {
        void once() throws Exception;
    }

    /**
     * The blocking loops of one invocation: {@code n} platform threads, each running
     * {@code submitAndWait} until {@link #stopAndJoin}. Counts the tasks completed per loop and
     * keeps the first failure.
     */
    static final class BlockingLoops {
        private final Thread[] threads;
        private final LongAdder tasks = new LongAdder();
        private final long[] perLoop;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean stop;

        BlockingLoops(int n, String name, SubmitAndWait submitAndWait) {
            threads = new Thread[n];
            perLoop = new long[n];
            for (int i = 0; i < n; i++) {
                final int loop = i;
                threads[i] = Thread.ofPlatform().name(name + "-" + i).daemon().start(() -> {
                    long done = 0;
                    try {
                        while (!stop) {
                            submitAndWait.once();
                            done++;
                            tasks.increment();
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                    perLoop[loop] = done; // read after join
                });
            }
        }

        /** Stops the loops, waits for them, fails loudly on a failure or an idle loop. */
        void stopAndJoin(String shape, String side) throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(REPORT_TIMEOUT_S));
                if (t.isAlive()) {
                    throw new IllegalStateException("W8 " + side + " " + shape + ": loop " + t.getName()
                            + " did not stop within " + REPORT_TIMEOUT_S + " s");
                }
            }
            System.out.printf(Locale.ROOT, "[W8-loops] shape=%s side=%s loops=%d blocking_tasks=%d%n", shape, side,
                    threads.length, tasks.sum());
            if (failure.get() != null) {
                throw new IllegalStateException("W8 " + side + " " + shape + ": a blocking task failed", failure.get());
            }
            for (int i = 0; i < perLoop.length; i++) {
                if (perLoop[i] == 0) {
                    System.out.println("[kabuki-bench SUSPICIOUS] W8 " + side + " " + shape + ": blocking loop " + i
                            + " completed no task during the invocation");
                }
            }
        }
    }

    /** What both sides share: the parameters, the loops and the report. */
    @State(Scope.Benchmark)
    public abstract static class Common {
        @Param("0")
        public int workers;
        /** "solo" (no blocking work), "pool" (on the blocking pool), "core" (on the core workers). */
        @Param({"solo", "pool", "core"})
        public String shape;
        /** Wall time of the ping-pong per invocation, in seconds (fractions allowed). */
        @Param("2")
        public double seconds;

        BlockingLoops loops;

        abstract String side();

        /** How one blocking task is submitted and awaited, for {@link #shape} "pool" or "core". */
        abstract SubmitAndWait blockingTask(boolean onPool);

        void checkShape() {
            if (!(seconds > 0)) {
                throw new IllegalArgumentException("W8 seconds must be positive, got " + seconds);
            }
            if (!shape.equals("solo") && !shape.equals("pool") && !shape.equals("core")) {
                throw new IllegalArgumentException("W8 shape must be solo, pool or core, got " + shape);
            }
        }

        @Setup(Level.Invocation)
        public void startLoops() {
            if (!shape.equals("solo")) {
                loops = new BlockingLoops(2 * Peers.workers(workers), "w8-" + side() + "-" + shape,
                        blockingTask(shape.equals("pool")));
            }
        }

        @TearDown(Level.Invocation)
        public void stopLoops() throws InterruptedException {
            if (loops != null) {
                BlockingLoops l = loops;
                loops = null;
                l.stopAndJoin(shape, side());
            }
        }

        /**
         * Starts the ping-pong with {@code start}, stops it after {@link #seconds}, waits for the
         * pinger's count and prints the {@code [W8]} line; returns the round trips.
         */
        long measure(Run run, Runnable start) throws Exception {
            long t0 = System.nanoTime();
            start.run();
            Thread.sleep(Math.round(seconds * 1000));
            run.stop = true;
            long n;
            try {
                n = run.rounds.get(REPORT_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("W8 " + side() + " " + shape + ": the pinger did not report within "
                        + REPORT_TIMEOUT_S + " s of stop", e);
            }
            long elapsed = System.nanoTime() - t0;
            if (n < 1) {
                throw new IllegalStateException("W8 " + side() + " " + shape + ": " + n + " round trips");
            }
            System.out.printf(Locale.ROOT, "%n[W8] shape=%s side=%s round_trips=%d elapsed_ms=%.1f rate=%.0f%n", shape,
                    side(), n, elapsed / 1e6, n / (elapsed / 1e9));
            return n;
        }
    }

    // ------------------------------------------------------------------ kabuki

    sealed interface KMsg {}

    record KPeer(ActorRef<KMsg> peer, CountDownLatch ack) implements KMsg {}

    record KBall(Run run) implements KMsg {}

    /** W1's players, stopped by the run's flag instead of a count. */
    static final class KPlayer implements Actor<KMsg> {
        private final boolean pinger;
        private ActorRef<KMsg> peer;
        private long rounds;

        KPlayer(boolean pinger) {
            this.pinger = pinger;
        }

        @Override
        public void receive(ActorContext<KMsg> ctx, KMsg msg) {
            switch (msg) {
                case KBall b -> {
                    if (!pinger) {
                        peer.tell(new KBall(b.run()));
                    } else {
                        rounds++;
                        if (b.run().stop) {
                            long r = rounds;
                            rounds = 0;
                            b.run().rounds.complete(r);
                        } else {
                            peer.tell(new KBall(b.run()));
                        }
                    }
                }
                case KPeer p -> {
                    peer = p.peer();
                    p.ack().countDown();
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki extends Common {
        ActorSystem system;
        ActorRef<KMsg> ponger;

        @Override
        String side() {
            return "kabuki";
        }

        @Override
        SubmitAndWait blockingTask(boolean onPool) {
            final ActorSystem sys = system;
            return onPool ? () -> sys.spawnBlocking(SLEEP).join() : () -> sys.spawn(SLEEP).join();
        }

        @Setup(Level.Trial)
        public void setup() throws InterruptedException {
            checkShape();
            system = Peers.newKabuki(workers, "kabuki-w8");
            ActorRef<KMsg> pinger = system.spawnActor("pinger", () -> new KPlayer(true));
            ponger = system.spawnActor("ponger", () -> new KPlayer(false));
            CountDownLatch ack = new CountDownLatch(2);
            pinger.tell(new KPeer(ponger, ack));
            ponger.tell(new KPeer(pinger, ack));
            ack.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W8");
        }
    }

    @Benchmark
    public long kabuki(Kabuki s) throws Exception {
        Run run = new Run();
        return s.measure(run, () -> s.ponger.tell(new KBall(run)));
    }

    // ------------------------------------------------------------------ Pekko

    sealed interface PMsg {}

    record PPeer(org.apache.pekko.actor.typed.ActorRef<PMsg> peer, CountDownLatch ack) implements PMsg {}

    record PBall(Run run) implements PMsg {}

    static Behavior<PMsg> pekkoPlayer(boolean pinger) {
        return Behaviors.setup(ctx -> {
            // The actor's state, confined to it as in any Behaviors.setup.
            final Object[] peer = new Object[1];
            final long[] rounds = new long[1];
            return Behaviors.<PMsg>receiveMessage(msg -> {
                @SuppressWarnings("unchecked")
                org.apache.pekko.actor.typed.ActorRef<PMsg> p = (org.apache.pekko.actor.typed.ActorRef<PMsg>) peer[0];
                switch (msg) {
                    case PBall b -> {
                        if (!pinger) {
                            p.tell(new PBall(b.run()));
                        } else {
                            rounds[0]++;
                            if (b.run().stop) {
                                long r = rounds[0];
                                rounds[0] = 0;
                                b.run().rounds.complete(r);
                            } else {
                                p.tell(new PBall(b.run()));
                            }
                        }
                    }
                    case PPeer pp -> {
                        peer[0] = pp.peer();
                        pp.ack().countDown();
                    }
                }
                return Behaviors.same();
            });
        });
    }

    /**
     * {@link Peers#pekkoConfig} plus the blocking dispatcher of Pekko's "Blocking Needs Careful
     * Management" docs: a thread-pool-executor of {@code max(16, 2 x workers)} threads (at least
     * one per blocking loop), throughput 1.
     */
    static Config pekkoConfig(int workers) {
        int pool = Math.max(16, 2 * Peers.workers(workers));
        return ConfigFactory.parseString(
                PEKKO_BLOCKING + " {\n"
                + "  type = Dispatcher\n"
                + "  executor = \"thread-pool-executor\"\n"
                + "  thread-pool-executor {\n"
                + "    fixed-pool-size = " + pool + "\n"
                + "  }\n"
                + "  throughput = 1\n"
                + "}\n").withFallback(Peers.pekkoConfig(workers));
    }

    @State(Scope.Benchmark)
    public static class Pekko extends Common {
        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PMsg> ponger;
        Executor blocking;

        @Override
        String side() {
            return "pekko";
        }

        @Override
        SubmitAndWait blockingTask(boolean onPool) {
            final Executor on = onPool ? blocking : system.executionContext();
            return () -> CompletableFuture.runAsync(SLEEP, on).join();
        }

        @Setup(Level.Trial)
        public void setup() throws InterruptedException {
            checkShape();
            system = org.apache.pekko.actor.typed.ActorSystem.create(PekkoGuardian.create(), "pekko-w8",
                    pekkoConfig(workers));
            blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(PEKKO_BLOCKING));
            var pinger = Peers.pekkoSpawn(system, pekkoPlayer(true), "pinger");
            ponger = Peers.pekkoSpawn(system, pekkoPlayer(false), "ponger");
            CountDownLatch ack = new CountDownLatch(2);
            pinger.tell(new PPeer(ponger, ack));
            ponger.tell(new PPeer(pinger, ack));
            ack.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W8");
        }
    }

    @Benchmark
    public long pekko(Pekko s) throws Exception {
        Run run = new Run();
        return s.measure(run, () -> s.ponger.tell(new PBall(run)));
    }
}
