package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import dev.kabuki.benchmarks.W4aAskSequential.JEcho;
import dev.kabuki.benchmarks.W4aAskSequential.KEcho;
import dev.kabuki.benchmarks.W4aAskSequential.PEcho;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
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
 * W4b ask concurrent (WORKLOADS.md): 1,000,000 asks to one echo actor (the actors of
 * {@link W4aAskSequential}) with at most 1,000 outstanding, in two shapes.
 *
 * <h2>Shape "out": {@link #kabuki}, {@link #pekko}, {@link #jdk}</h2>
 * The asker is the benchmark thread, outside the runtime, and keeps a window of the last 1,000
 * asks' handles, oldest first, as Tokio's side does with its {@code oneshot} receivers: once the
 * window is full it waits for the oldest reply before it sends the next ask
 * ({@code JoinHandle.join} / {@code CompletableFuture.get} of Pekko's
 * {@code CompletionStage} / {@code CompletableFuture.get}, each with the asks' 30 s timeout; the
 * echo answers in mailbox order,
 * so the oldest is the first to complete). No completion callback, no semaphore: the asker's
 * cost per ask is the ask and the wait, on every side. The invocation ends with the last reply.
 *
 * <h2>Shape "in": {@link #kabukiIn}, {@link #pekkoIn}, {@link #jdkIn}</h2>
 * The asker is inside the runtime. On kabuki and Pekko it is an actor ({@code asker}, spawned
 * once per trial next to the echo) that, on {@code Start}, sends 1,000 asks with the idiom each
 * documents for asks from inside an actor, {@code ActorContext.ask} (the reply, or the failure,
 * comes back as an ordinary message to the asker: kabuki's
 * {@code ctx.ask(echo, r -> new KEcho(i, r), timeout, mapper)}, Pekko's
 * {@code ctx.ask(Long.class, echo, timeout, r -> new PEcho(i, r), mapper)}); each reply it
 * receives sends the next ask until N have been sent, and the N-th reply completes the
 * invocation's {@link CompletableFuture}. The window is therefore exactly 1,000 until the last
 * 1,000. On the JDK the asker is a virtual thread (new per invocation) running the "out" loop,
 * window and all; the benchmark thread starts it and joins it.
 *
 * <h2>Both shapes</h2>
 * Each ask's latency, from just before the send to the reply's arrival at the asker
 * (the wait for it returning, or the reply message's handling), {@link System#nanoTime()}, goes into a
 * {@code long[]}; after the invocation it is sorted and one line per invocation is printed:
 * {@code [W4b] shape=<out|in> side=<side> p50_us=<x> p99_us=<y> p999_us=<z>} (the measured
 * iterations' lines are the last {@code i}; a line break comes first, so that the line starts a
 * line of its own after JMH's {@code "Iteration   n: "}). Failures and the sum of the replies
 * are checked; any failure fails the invocation.
 *
 * <p>One invocation = N asks ({@link Mode#SingleShotTime}, ms); asks/s = N / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W4bAskConcurrent {
    /** Most asks outstanding at once. */
    static final int MAX_OUTSTANDING = 1000;

    /** What every side shares: the window of the "out" shape, latencies, and the checks. */
    @State(Scope.Benchmark)
    public abstract static class Common {
        @Param("0")
        public int workers;
        /** Asks per invocation (N). */
        @Param("1000000")
        public int asks;

        long[] latency;
        /** The "out" window: send time of ask i at slot i % MAX_OUTSTANDING; asker only. */
        final long[] sentAt = new long[MAX_OUTSTANDING];
        long outSum;

        void prepare() {
            latency = new long[asks];
        }

        /** The "out" shapes: the reply to ask {@code i}, just awaited; checks it and records its latency. */
        void replied(int i, long value) {
            latency[i] = System.nanoTime() - sentAt[i % MAX_OUTSTANDING];
            if (value != i) {
                throw new IllegalStateException("reply " + value + " to ask " + i);
            }
            outSum += value;
        }

        /** The "out" shapes: every reply awaited; checks the sum and reports. */
        long finish(String shape, String side) {
            long s = outSum;
            outSum = 0;
            return report(shape, side, s, 0, null);
        }

        /**
         * Checks the failures and the sum of the replies (fails the invocation), then prints the
         * latency line {@code [W4b] shape=<shape> side=<side> p50_us=<x> p99_us=<y> p999_us=<z>}.
         */
        long report(String shape, String side, long s, long f, Throwable first) {
            String what = "W4b " + shape + " " + side;
            if (f > 0) {
                throw new IllegalStateException(what + ": " + f + " ask(s) failed", first);
            }
            Peers.check(what + " sum of replies", s, (long) asks * (asks - 1) / 2);
            long[] l = latency.clone();
            Arrays.sort(l);
            System.out.printf(Locale.ROOT, "%n[W4b] shape=%s side=%s p50_us=%.1f p99_us=%.1f p999_us=%.1f%n", shape, side,
                    l[l.length / 2] / 1e3, l[(int) (l.length * 0.99)] / 1e3, l[(int) (l.length * 0.999)] / 1e3);
            return s;
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki extends Common {
        ActorSystem system;
        ActorRef<KEcho> echo;
        /** Shape "in" only. */
        ActorRef<KAskerMsg> asker;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            system = Peers.newKabuki(workers, "kabuki-w4b");
            echo = system.spawnActor("echo", W4aAskSequential.KEchoActor::new);
            final ActorRef<KEcho> e = echo;
            asker = system.spawnActor("asker", () -> new KAsker(e));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W4b");
        }
    }

    @State(Scope.Benchmark)
    public static class Pekko extends Common {
        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PEcho> echo;
        /** Shape "in" only. */
        org.apache.pekko.actor.typed.ActorRef<PAskerMsg> asker;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            system = Peers.newPekko(workers, "pekko-w4b");
            echo = Peers.pekkoSpawn(system, W4aAskSequential.pekkoEcho(), "echo");
            asker = Peers.pekkoSpawn(system, pekkoAsker(echo), "asker");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W4b");
        }
    }

    @State(Scope.Benchmark)
    public static class Jdk extends Common {
        VtActor<JEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            Peers.configureVirtualThreads(workers);
            echo = W4aAskSequential.jdkEcho();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            echo.stop();
            echo.join();
        }
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public long kabuki(Kabuki s) {
        final ActorRef<KEcho> echo = s.echo;
        final JoinHandle<Long>[] window = new JoinHandle[MAX_OUTSTANDING];
        for (int i = 0; i < s.asks + MAX_OUTSTANDING; i++) {
            int slot = i % MAX_OUTSTANDING;
            if (i >= MAX_OUTSTANDING) {
                s.replied(i - MAX_OUTSTANDING, window[slot].join(Peers.ASK_TIMEOUT));
            }
            if (i < s.asks) {
                final int idx = i;
                s.sentAt[slot] = System.nanoTime();
                window[slot] = echo.ask(r -> new KEcho(idx, r), Peers.ASK_TIMEOUT);
            }
        }
        return s.finish("out", "kabuki");
    }

    @Benchmark
    public long pekko(Pekko s) throws Exception {
        final org.apache.pekko.actor.typed.ActorRef<PEcho> echo = s.echo;
        final var scheduler = s.system.scheduler();
        futureWindow(s, idx -> AskPattern.<PEcho, Long>ask(echo, r -> new PEcho(idx, r), Peers.ASK_TIMEOUT, scheduler)
                .toCompletableFuture());
        return s.finish("out", "pekko");
    }

    @Benchmark
    public long jdk(Jdk s) throws Exception {
        jdkAsks(s);
        return s.finish("out", "jdk");
    }

    /** The JDK asker's loop, both shapes. */
    private static void jdkAsks(Jdk s) throws Exception {
        final VtActor<JEcho> echo = s.echo;
        futureWindow(s, idx -> {
            CompletableFuture<Long> reply = new CompletableFuture<>();
            echo.tell(new JEcho(idx, reply));
            return reply;
        });
    }

    /**
     * The window over futures (Pekko's and the JDK's asks): {@code ask} sends ask {@code i} and
     * returns its future; the oldest is awaited first, for at most the asks' timeout of the
     * other sides (a lost reply fails the run instead of hanging it).
     */
    @SuppressWarnings("unchecked")
    private static void futureWindow(Common s, IntFunction<CompletableFuture<Long>> ask) throws Exception {
        final CompletableFuture<Long>[] window = new CompletableFuture[MAX_OUTSTANDING];
        final long timeoutMillis = Peers.ASK_TIMEOUT.toMillis();
        for (int i = 0; i < s.asks + MAX_OUTSTANDING; i++) {
            int slot = i % MAX_OUTSTANDING;
            if (i >= MAX_OUTSTANDING) {
                s.replied(i - MAX_OUTSTANDING, window[slot].get(timeoutMillis, TimeUnit.MILLISECONDS));
            }
            if (i < s.asks) {
                s.sentAt[slot] = System.nanoTime();
                window[slot] = ask.apply(i);
            }
        }
    }

    // ------------------------------------------------------------------ shape "in"

    /** What an "in" asker hands back when its last reply has arrived. */
    record InResult(long sum, long failures, Throwable firstFailure) {}

    /**
     * The state of an "in" asker actor (kabuki or Pekko), confined to that actor: asks sent and
     * answered, the sum of the replies, failures, and the invocation's latency array and future.
     */
    static final class AskerRun {
        final int asks;
        final long[] latency;
        final CompletableFuture<InResult> done;
        int sent;
        int received;
        long sum;
        long failures;
        Throwable firstFailure;

        AskerRun(int asks, long[] latency, CompletableFuture<InResult> done) {
            this.asks = asks;
            this.latency = latency;
            this.done = done;
        }

        /** How many asks to send on start: the window, or fewer if N is smaller. */
        int initial() {
            return Math.min(MAX_OUTSTANDING, asks);
        }

        /**
         * Records ask {@code idx}'s reply (or failure) as it reaches the asker; returns true when
         * another ask should be sent. Completes {@link #done} with the N-th reply.
         */
        boolean answered(int idx, long start, Long value, Throwable error) {
            latency[idx] = System.nanoTime() - start;
            if (error != null || value == null || value != idx) {
                failures++;
                if (firstFailure == null) {
                    firstFailure = error != null ? error : new IllegalStateException("reply " + value + " to ask " + idx);
                }
            } else {
                sum += value;
            }
            if (++received == asks) {
                done.complete(new InResult(sum, failures, firstFailure));
                return false;
            }
            return sent < asks;
        }
    }

    long finishIn(Common s, String side, CompletableFuture<InResult> done) {
        InResult r = done.join();
        return s.report("in", side, r.sum(), r.failures(), r.firstFailure());
    }

    sealed interface KAskerMsg {}

    record KAskStart(AskerRun run) implements KAskerMsg {}

    record KAnswered(int idx, long start, Long value, Throwable error) implements KAskerMsg {}

    /** kabuki's "in" asker: {@code ctx.ask} to the echo, replies as {@link KAnswered} messages. */
    static final class KAsker implements Actor<KAskerMsg> {
        private final ActorRef<KEcho> echo;
        private AskerRun run;

        KAsker(ActorRef<KEcho> echo) {
            this.echo = echo;
        }

        @Override
        public void receive(ActorContext<KAskerMsg> ctx, KAskerMsg msg) {
            switch (msg) {
                case KAnswered a -> {
                    if (run.answered(a.idx(), a.start(), a.value(), a.error())) {
                        ask(ctx);
                    }
                }
                case KAskStart s -> {
                    run = s.run();
                    for (int i = run.initial(); i > 0; i--) {
                        ask(ctx);
                    }
                }
            }
        }

        private void ask(ActorContext<KAskerMsg> ctx) {
            final int idx = run.sent++;
            final long start = System.nanoTime();
            ctx.<KEcho, Long>ask(echo, r -> new KEcho(idx, r), Peers.ASK_TIMEOUT,
                    (v, e) -> new KAnswered(idx, start, v, e));
        }
    }

    sealed interface PAskerMsg {}

    record PAskStart(AskerRun run) implements PAskerMsg {}

    record PAnswered(int idx, long start, Long value, Throwable error) implements PAskerMsg {}

    /** Pekko's "in" asker: {@code ActorContext.ask} to the echo, replies as {@link PAnswered}. */
    static Behavior<PAskerMsg> pekkoAsker(org.apache.pekko.actor.typed.ActorRef<PEcho> echo) {
        return Behaviors.setup(ctx -> {
            final AskerRun[] run = new AskerRun[1]; // confined to the actor
            final org.apache.pekko.japi.function.Procedure<AskerRun> ask = r -> {
                final int idx = r.sent++;
                final long start = System.nanoTime();
                ctx.ask(Long.class, echo, Peers.ASK_TIMEOUT, ref -> new PEcho(idx, ref),
                        (v, e) -> new PAnswered(idx, start, v, e));
            };
            return Behaviors.<PAskerMsg>receiveMessage(msg -> {
                switch (msg) {
                    case PAnswered a -> {
                        if (run[0].answered(a.idx(), a.start(), a.value(), a.error())) {
                            ask.apply(run[0]);
                        }
                    }
                    case PAskStart s -> {
                        run[0] = s.run();
                        for (int i = run[0].initial(); i > 0; i--) {
                            ask.apply(run[0]);
                        }
                    }
                }
                return Behaviors.same();
            });
        });
    }

    @Benchmark
    public long kabukiIn(Kabuki s) {
        CompletableFuture<InResult> done = new CompletableFuture<>();
        s.asker.tell(new KAskStart(new AskerRun(s.asks, s.latency, done)));
        return finishIn(s, "kabuki", done);
    }

    @Benchmark
    public long pekkoIn(Pekko s) {
        CompletableFuture<InResult> done = new CompletableFuture<>();
        s.asker.tell(new PAskStart(new AskerRun(s.asks, s.latency, done)));
        return finishIn(s, "pekko", done);
    }

    @Benchmark
    public long jdkIn(Jdk s) throws InterruptedException {
        final Throwable[] failed = new Throwable[1];
        Thread asker = Thread.ofVirtual().name("w4b-asker").start(() -> {
            try {
                jdkAsks(s);
            } catch (Throwable t) {
                failed[0] = t;
            }
        });
        asker.join();
        if (failed[0] != null) {
            throw new IllegalStateException("W4b in jdk: the asker failed", failed[0]);
        }
        return s.finish("in", "jdk");
    }
}
