package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * W1 ping-pong (WORKLOADS.md): two actors bounce one message back and forth, strictly one in
 * flight, N = 2,000,000 round trips. The benchmark thread sends {@code Ball(N, done)} to the
 * pinger; the pinger sends it to the ponger, which returns it; each time the ball comes back the
 * pinger sends a <i>new</i> {@code Ball(left - 1, done)}, until {@code left == 1}, when it
 * completes {@code done} with the number of round trips it counted (checked == N). Every send
 * allocates a new record, on every side.
 *
 * <p>Sides: {@link #kabuki} (two {@code spawnActor}s), {@link #pekko} (two typed actors, Java
 * DSL), {@link #jdk} (two virtual threads on {@code LinkedTransferQueue}s). The actors live for
 * the whole trial; one invocation = N round trips ({@link Mode#SingleShotTime}, ms); round
 * trips/s = N / time (the suite's JmhSide does the conversion).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W1PingPong {

    // ------------------------------------------------------------------ kabuki

    sealed interface KMsg {}

    record KPeer(ActorRef<KMsg> peer, CountDownLatch ack) implements KMsg {}

    record KBall(int left, CompletableFuture<Integer> done) implements KMsg {}

    /** Pinger and ponger in one class: the pinger counts and ends the game. */
    static final class KPlayer implements Actor<KMsg> {
        private final boolean pinger;
        private ActorRef<KMsg> peer;
        private int rounds;

        KPlayer(boolean pinger) {
            this.pinger = pinger;
        }

        @Override
        public void receive(ActorContext<KMsg> ctx, KMsg msg) {
            switch (msg) {
                case KPeer p -> {
                    peer = p.peer();
                    p.ack().countDown();
                }
                case KBall b -> {
                    if (!pinger) {
                        peer.tell(new KBall(b.left(), b.done()));
                    } else {
                        rounds++;
                        if (b.left() == 1) {
                            int r = rounds;
                            rounds = 0;
                            b.done().complete(r);
                        } else {
                            peer.tell(new KBall(b.left() - 1, b.done()));
                        }
                    }
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki {
        @Param("0")
        public int workers;
        /** Round trips per invocation (N). */
        @Param("2000000")
        public int roundTrips;

        ActorSystem system;
        ActorRef<KMsg> pinger;
        ActorRef<KMsg> ponger;

        @Setup(Level.Trial)
        public void setup() throws InterruptedException {
            system = Peers.newKabuki(workers, "kabuki-w1");
            pinger = system.spawnActor("pinger", () -> new KPlayer(true));
            ponger = system.spawnActor("ponger", () -> new KPlayer(false));
            CountDownLatch ack = new CountDownLatch(2);
            pinger.tell(new KPeer(ponger, ack));
            ponger.tell(new KPeer(pinger, ack));
            ack.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W1");
        }
    }

    @Benchmark
    public int kabuki(Kabuki s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        // The first ball goes straight to the ponger, as on the other sides: the pinger counts
        // the round trip when it comes back.
        s.ponger.tell(new KBall(s.roundTrips, done));
        int rounds = done.join();
        Peers.check("W1 kabuki round trips", rounds, s.roundTrips);
        return rounds;
    }

    // ------------------------------------------------------------------ Pekko

    sealed interface PMsg {}

    record PPeer(org.apache.pekko.actor.typed.ActorRef<PMsg> peer, CountDownLatch ack) implements PMsg {}

    record PBall(int left, CompletableFuture<Integer> done) implements PMsg {}

    static Behavior<PMsg> pekkoPlayer(boolean pinger) {
        return Behaviors.setup(ctx -> {
            // The actor's state, confined to it as in any Behaviors.setup.
            final Object[] peer = new Object[1];
            final int[] rounds = new int[1];
            return Behaviors.<PMsg>receiveMessage(msg -> {
                @SuppressWarnings("unchecked")
                org.apache.pekko.actor.typed.ActorRef<PMsg> p = (org.apache.pekko.actor.typed.ActorRef<PMsg>) peer[0];
                switch (msg) {
                    case PPeer pp -> {
                        peer[0] = pp.peer();
                        pp.ack().countDown();
                    }
                    case PBall b -> {
                        if (!pinger) {
                            p.tell(new PBall(b.left(), b.done()));
                        } else {
                            rounds[0]++;
                            if (b.left() == 1) {
                                int r = rounds[0];
                                rounds[0] = 0;
                                b.done().complete(r);
                            } else {
                                p.tell(new PBall(b.left() - 1, b.done()));
                            }
                        }
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
        @Param("2000000")
        public int roundTrips;

        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PMsg> ponger;

        @Setup(Level.Trial)
        public void setup() throws InterruptedException {
            system = Peers.newPekko(workers, "pekko-w1");
            var pinger = Peers.pekkoSpawn(system, pekkoPlayer(true), "pinger");
            ponger = Peers.pekkoSpawn(system, pekkoPlayer(false), "ponger");
            CountDownLatch ack = new CountDownLatch(2);
            pinger.tell(new PPeer(ponger, ack));
            ponger.tell(new PPeer(pinger, ack));
            ack.await();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W1");
        }
    }

    @Benchmark
    public int pekko(Pekko s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.ponger.tell(new PBall(s.roundTrips, done));
        int rounds = done.join();
        Peers.check("W1 pekko round trips", rounds, s.roundTrips);
        return rounds;
    }

    // ------------------------------------------------------------------ JDK

    record JBall(int left, CompletableFuture<Integer> done) {}

    @State(Scope.Benchmark)
    public static class Jdk {
        @Param("0")
        public int workers;
        @Param("2000000")
        public int roundTrips;

        VtActor<JBall> pinger;
        VtActor<JBall> ponger;

        @Setup(Level.Trial)
        public void setup() {
            Peers.configureVirtualThreads(workers);
            final int[] rounds = new int[1]; // confined to the pinger's thread
            pinger = new VtActor<>(b -> {
                rounds[0]++;
                if (b.left() == 1) {
                    int r = rounds[0];
                    rounds[0] = 0;
                    b.done().complete(r);
                } else {
                    ponger().tell(new JBall(b.left() - 1, b.done()));
                }
            });
            ponger = new VtActor<>(b -> pinger.tell(new JBall(b.left(), b.done())));
        }

        private VtActor<JBall> ponger() {
            return ponger;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            pinger.stop();
            ponger.stop();
            pinger.join();
            ponger.join();
        }
    }

    @Benchmark
    public int jdk(Jdk s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.ponger.tell(new JBall(s.roundTrips, done));
        int rounds = done.join();
        Peers.check("W1 jdk round trips", rounds, s.roundTrips);
        return rounds;
    }
}
