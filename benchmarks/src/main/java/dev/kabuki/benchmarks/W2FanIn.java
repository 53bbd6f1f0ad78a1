package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.Behavior;
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
 * W2 fan-in (WORKLOADS.md): P = 4 producers each send N/P messages (a new record holding a long)
 * to one consumer actor with an unbounded mailbox, N = 10,000,000; done when the consumer has
 * counted all N. The consumer also sums the values; count and sum are checked.
 *
 * <p>Producers are <b>plain platform threads</b> on every side (started per invocation, the same
 * kind for all three sides), so the producers are outside each runtime and the figure is the
 * consumer's mailbox under 4 concurrent senders. Each invocation starts with a {@code Reset}
 * (count, sum, done future) sent from the benchmark thread before the producers start. One
 * invocation = N messages ({@link Mode#SingleShotTime}, ms); messages/s = N / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W2FanIn {
    /** Producer threads. */
    static final int PRODUCERS = 4;

    /** Expected sum of the values: producer p sends p*per .. p*per + per - 1, i.e. 0 .. N-1. */
    static long expectedSum(int n) {
        return (long) n * (n - 1) / 2;
    }

    /** Runs the producers on fresh platform threads and waits until each has sent its share. */
    static void produce(int n, LongConsumer send) {
        int per = n / PRODUCERS;
        Thread[] ts = new Thread[PRODUCERS];
        for (int p = 0; p < PRODUCERS; p++) {
            final long from = (long) p * per;
            ts[p] = Thread.ofPlatform().name("w2-producer-" + p).start(() -> {
                for (long v = from, end = from + per; v < end; v++) {
                    send.accept(v);
                }
            });
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Result of one invocation, completed by the consumer. */
    record Result(long count, long sum) {}

    static long verify(String side, int n, CompletableFuture<Result> done) {
        Result r = done.join();
        Peers.check("W2 " + side + " count", r.count(), n);
        Peers.check("W2 " + side + " sum", r.sum(), expectedSum(n));
        return r.count();
    }

    // ------------------------------------------------------------------ kabuki

    sealed interface KMsg {}

    record KReset(long expected, CompletableFuture<Result> done) implements KMsg {}

    record KItem(long value) implements KMsg {}

    static final class KConsumer implements Actor<KMsg> {
        private long count;
        private long sum;
        private long expected;
        private CompletableFuture<Result> done;

        @Override
        public void receive(ActorContext<KMsg> ctx, KMsg msg) {
            switch (msg) {
                case KItem item -> {
                    sum += item.value();
                    if (++count == expected) {
                        done.complete(new Result(count, sum));
                    }
                }
                case KReset r -> {
                    count = 0;
                    sum = 0;
                    expected = r.expected();
                    done = r.done();
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki {
        @Param("0")
        public int workers;
        /** Messages per invocation (N), over all producers. */
        @Param("10000000")
        public int messages;

        ActorSystem system;
        ActorRef<KMsg> consumer;

        @Setup(Level.Trial)
        public void setup() {
            system = Peers.newKabuki(workers, "kabuki-w2");
            consumer = system.spawnActor("consumer", KConsumer::new);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W2");
        }
    }

    @Benchmark
    public long kabuki(Kabuki s) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        final ActorRef<KMsg> c = s.consumer;
        c.tell(new KReset(s.messages, done));
        produce(s.messages, v -> c.tell(new KItem(v)));
        return verify("kabuki", s.messages, done);
    }

    // ------------------------------------------------------------------ Pekko

    sealed interface PMsg {}

    record PReset(long expected, CompletableFuture<Result> done) implements PMsg {}

    record PItem(long value) implements PMsg {}

    static Behavior<PMsg> pekkoConsumer() {
        return Behaviors.setup(ctx -> {
            final long[] st = new long[3]; // count, sum, expected: the actor's own state
            final Object[] done = new Object[1];
            return Behaviors.<PMsg>receiveMessage(msg -> {
                switch (msg) {
                    case PItem item -> {
                        st[1] += item.value();
                        if (++st[0] == st[2]) {
                            @SuppressWarnings("unchecked")
                            CompletableFuture<Result> d = (CompletableFuture<Result>) done[0];
                            d.complete(new Result(st[0], st[1]));
                        }
                    }
                    case PReset r -> {
                        st[0] = 0;
                        st[1] = 0;
                        st[2] = r.expected();
                        done[0] = r.done();
                    }
                }
                return Behaviors.same();
            });
        });
    }

    @State(Scope.Benchmark)
    public static class Pekko {
        @Param("0")
        public int workers;
        @Param("10000000")
        public int messages;

        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PMsg> consumer;

        @Setup(Level.Trial)
        public void setup() {
            system = Peers.newPekko(workers, "pekko-w2");
            consumer = Peers.pekkoSpawn(system, pekkoConsumer(), "consumer");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W2");
        }
    }

    @Benchmark
    public long pekko(Pekko s) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        final org.apache.pekko.actor.typed.ActorRef<PMsg> c = s.consumer;
        c.tell(new PReset(s.messages, done));
        produce(s.messages, v -> c.tell(new PItem(v)));
        return verify("pekko", s.messages, done);
    }

    // ------------------------------------------------------------------ JDK

    sealed interface JMsg {}

    record JReset(long expected, CompletableFuture<Result> done) implements JMsg {}

    record JItem(long value) implements JMsg {}

    /** The JDK consumer's state, confined to its virtual thread. */
    static final class JConsumer implements java.util.function.Consumer<JMsg> {
        private long count;
        private long sum;
        private long expected;
        private CompletableFuture<Result> done;

        @Override
        public void accept(JMsg msg) {
            switch (msg) {
                case JItem item -> {
                    sum += item.value();
                    if (++count == expected) {
                        done.complete(new Result(count, sum));
                    }
                }
                case JReset r -> {
                    count = 0;
                    sum = 0;
                    expected = r.expected();
                    done = r.done();
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Jdk {
        @Param("0")
        public int workers;
        @Param("10000000")
        public int messages;

        VtActor<JMsg> consumer;

        @Setup(Level.Trial)
        public void setup() {
            Peers.configureVirtualThreads(workers);
            consumer = new VtActor<>(new JConsumer());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            consumer.stop();
            consumer.join();
        }
    }

    @Benchmark
    public long jdk(Jdk s) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        final VtActor<JMsg> c = s.consumer;
        c.tell(new JReset(s.messages, done));
        produce(s.messages, v -> c.tell(new JItem(v)));
        return verify("jdk", s.messages, done);
    }
}
