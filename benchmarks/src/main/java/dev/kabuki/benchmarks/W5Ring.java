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
 * W5 ring (WORKLOADS.md; Savina ThreadRing): 503 actors in a ring pass one token 10,000,000
 * hops. The benchmark thread gives {@code Token(N, done)} to actor 0; an actor receiving
 * {@code Token(left)} with {@code left > 1} sends a <i>new</i> {@code Token(left - 1)} to its
 * successor, and with {@code left == 1} completes {@code done}: N receptions = N hops (the first
 * one is the hand-over from outside). The token also carries the hop count so far; the actor
 * that ends the run completes {@code done} with it, which is checked == N.
 *
 * <p>The ring is built once per trial (actors wired to their successors with an acknowledged
 * {@code Next} message). One invocation = N hops ({@link Mode#SingleShotTime}, ms);
 * hops/s = N / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W5Ring {
    /** Actors in the ring. */
    static final int RING = 503;

    static int verify(String side, CompletableFuture<Integer> done, int n) {
        int hops = done.join();
        Peers.check("W5 " + side + " hops", hops, n);
        return hops;
    }

    // ------------------------------------------------------------------ kabuki

    sealed interface KMsg {}

    record KNext(ActorRef<KMsg> next, CountDownLatch ack) implements KMsg {}

    record KToken(int left, int hops, CompletableFuture<Integer> done) implements KMsg {}

    static final class KNode implements Actor<KMsg> {
        private ActorRef<KMsg> next;

        @Override
        public void receive(ActorContext<KMsg> ctx, KMsg msg) {
            switch (msg) {
                case KToken t -> {
                    if (t.left() == 1) {
                        t.done().complete(t.hops() + 1);
                    } else {
                        next.tell(new KToken(t.left() - 1, t.hops() + 1, t.done()));
                    }
                }
                case KNext n -> {
                    next = n.next();
                    n.ack().countDown();
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki {
        @Param("0")
        public int workers;
        /** Hops per invocation (N). */
        @Param("10000000")
        public int hops;

        ActorSystem system;
        ActorRef<KMsg> first;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() throws InterruptedException {
            system = Peers.newKabuki(workers, "kabuki-w5");
            ActorRef<KMsg>[] ring = new ActorRef[RING];
            for (int i = 0; i < RING; i++) {
                ring[i] = system.spawnActor("node-" + i, KNode::new);
            }
            CountDownLatch ack = new CountDownLatch(RING);
            for (int i = 0; i < RING; i++) {
                ring[i].tell(new KNext(ring[(i + 1) % RING], ack));
            }
            ack.await();
            first = ring[0];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W5");
        }
    }

    @Benchmark
    public int kabuki(Kabuki s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.first.tell(new KToken(s.hops, 0, done));
        return verify("kabuki", done, s.hops);
    }

    // ------------------------------------------------------------------ Pekko

    sealed interface PMsg {}

    record PNext(org.apache.pekko.actor.typed.ActorRef<PMsg> next, CountDownLatch ack) implements PMsg {}

    record PToken(int left, int hops, CompletableFuture<Integer> done) implements PMsg {}

    static Behavior<PMsg> pekkoNode() {
        return Behaviors.setup(ctx -> {
            final Object[] next = new Object[1]; // the actor's own state
            return Behaviors.<PMsg>receiveMessage(msg -> {
                switch (msg) {
                    case PToken t -> {
                        if (t.left() == 1) {
                            t.done().complete(t.hops() + 1);
                        } else {
                            @SuppressWarnings("unchecked")
                            var n = (org.apache.pekko.actor.typed.ActorRef<PMsg>) next[0];
                            n.tell(new PToken(t.left() - 1, t.hops() + 1, t.done()));
                        }
                    }
                    case PNext n -> {
                        next[0] = n.next();
                        n.ack().countDown();
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
        public int hops;

        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PMsg> first;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() throws InterruptedException {
            system = Peers.newPekko(workers, "pekko-w5");
            org.apache.pekko.actor.typed.ActorRef<PMsg>[] ring = new org.apache.pekko.actor.typed.ActorRef[RING];
            Peers.pekkoSpawnMany(system, i -> pekkoNode(), "node-", ring);
            CountDownLatch ack = new CountDownLatch(RING);
            for (int i = 0; i < RING; i++) {
                ring[i].tell(new PNext(ring[(i + 1) % RING], ack));
            }
            ack.await();
            first = ring[0];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W5");
        }
    }

    @Benchmark
    public int pekko(Pekko s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.first.tell(new PToken(s.hops, 0, done));
        return verify("pekko", done, s.hops);
    }

    // ------------------------------------------------------------------ JDK

    record JToken(int left, int hops, CompletableFuture<Integer> done) {}

    @State(Scope.Benchmark)
    public static class Jdk {
        @Param("0")
        public int workers;
        @Param("10000000")
        public int hops;

        VtActor<JToken>[] ring;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() {
            Peers.configureVirtualThreads(workers);
            final VtActor<JToken>[] r = new VtActor[RING];
            for (int i = 0; i < RING; i++) {
                final int next = (i + 1) % RING;
                // r[next] is read when the first token arrives, after the array is filled
                // (the token's enqueue happens-after it).
                r[i] = new VtActor<>(t -> {
                    if (t.left() == 1) {
                        t.done().complete(t.hops() + 1);
                    } else {
                        r[next].tell(new JToken(t.left() - 1, t.hops() + 1, t.done()));
                    }
                });
            }
            ring = r;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            for (VtActor<JToken> a : ring) {
                a.stop();
            }
            for (VtActor<JToken> a : ring) {
                a.join();
            }
        }
    }

    @Benchmark
    public int jdk(Jdk s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.ring[0].tell(new JToken(s.hops, 0, done));
        return verify("jdk", done, s.hops);
    }
}
