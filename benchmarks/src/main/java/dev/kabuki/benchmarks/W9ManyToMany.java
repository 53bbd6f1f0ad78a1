package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import java.util.SplittableRandom;
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
 * W9 many-to-many (WORKLOADS.md): {@code actors} = 1,000 actors; each sends a
 * {@code Request(from)} to a uniformly random <i>other</i> actor and, only once the
 * {@code Reply} has come back, sends the next, {@code requestsPerActor} = 2,000 times
 * (2,000,000 requests in all). Done when every actor has all its replies.
 *
 * <h2>Protocol (every side)</h2>
 * <ol>
 *   <li>The benchmark thread sends {@code Start(peers, requests, done)} to every actor
 *       ({@code peers} = the refs of all actors, {@code done} = a {@link CountDownLatch} of
 *       {@code actors}, new per invocation).</li>
 *   <li>An actor receiving {@code Start} resets its per-run reply count and sends its first
 *       request.</li>
 *   <li>{@code Request(from)}: the actor counts it as answered and tells {@code from} a new
 *       {@code Reply}. Requests are answered whatever the actor is doing, also before its own
 *       {@code Start} arrives (another actor may have started first) and after it has
 *       finished.</li>
 *   <li>{@code Reply}: counted; after the last of its {@code requests} replies the actor counts
 *       {@code done} down, else it sends its next request.</li>
 * </ol>
 * The reply is an ordinary message in the requester's mailbox: nothing blocks, and an actor
 * waiting for its reply keeps answering the others. The target is drawn from a per-actor
 * {@link SplittableRandom} seeded with the actor's index: {@code nextInt(actors - 1)}, shifted
 * up by one at or above the actor's own index, so it is uniform over the others and never
 * itself. Every message is a record created for that send.
 *
 * <h2>Checks</h2>
 * Each actor keeps two cumulative counters in its own state object ({@code answered},
 * {@code replies}), written only by the actor. After {@code done} the benchmark thread sums them
 * and checks that this invocation added exactly {@code actors x requestsPerActor} to each. The
 * plain reads are safe: every answer's increment happens before its {@code Reply} is sent, the
 * requester receives that reply before it counts {@code done} down, and the benchmark thread
 * reads after {@code await}; when {@code done} opens nothing is in flight any more (every
 * request has its reply and every reply was received). {@code done} is awaited for at most
 * 120 s, then the invocation fails.
 *
 * <h2>Lifetime</h2>
 * The actors are spawned once per trial ({@code Level.Trial}) and reused by every invocation
 * (each begins with a fresh {@code Start}), as W1 and W5 do: the figure is about messaging, not
 * spawning (W3 measures spawning), and 1,000 actors that already exist are what a user's system
 * has. Their random streams continue across invocations, so each invocation draws new targets.
 *
 * <p>Sides: {@link #kabuki} ({@code spawnActor}), {@link #pekko} (typed actors, guardian
 * children), {@link #jdk} (one {@link VtActor} per actor: a virtual thread on a
 * {@code LinkedTransferQueue}). One invocation = {@code actors x requestsPerActor} requests
 * ({@link Mode#SingleShotTime}, ms); requests/s = actors x requestsPerActor / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W9ManyToMany {
    /** Longest wait for one invocation's replies before it fails. */
    static final long DONE_TIMEOUT_S = 120;

    /** One actor's counters and random stream; written only by that actor. */
    static final class Node {
        final int index;
        final SplittableRandom random;
        /** Requests of others this actor answered, cumulative over the trial. */
        long answered;
        /** Replies this actor received, cumulative over the trial. */
        long replies;
        /** Replies received in the current run. */
        int repliesThisRun;

        Node(int index) {
            this.index = index;
            this.random = new SplittableRandom(index);
        }

        /** A uniformly random index other than this node's own, out of {@code n}. */
        int nextTarget(int n) {
            int t = random.nextInt(n - 1);
            return t >= index ? t + 1 : t;
        }
    }

    /** What every side shares: the parameters, the nodes, and the check. */
    @State(Scope.Benchmark)
    public abstract static class Common {
        @Param("0")
        public int workers;
        /** Actors (and nodes). */
        @Param("1000")
        public int actors;
        /** Requests each actor sends per invocation. */
        @Param("2000")
        public int requestsPerActor;

        Node[] nodes;
        private long answeredBefore;
        private long repliesBefore;

        void prepareNodes() {
            if (actors < 2) {
                throw new IllegalArgumentException("W9 needs at least 2 actors, got " + actors);
            }
            nodes = new Node[actors];
            for (int i = 0; i < actors; i++) {
                nodes[i] = new Node(i);
            }
        }

        /** Waits for {@code done}, then checks the counters; returns the requests answered. */
        long finish(String side, CountDownLatch done) throws InterruptedException {
            if (!done.await(DONE_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IllegalStateException("W9 " + side + ": " + done.getCount() + " of " + actors
                        + " actors still waiting for replies after " + DONE_TIMEOUT_S + " s");
            }
            long answered = 0;
            long replies = 0;
            for (Node n : nodes) {
                Peers.check("W9 " + side + " replies of actor " + n.index + " in this run", n.repliesThisRun,
                        requestsPerActor);
                answered += n.answered;
                replies += n.replies;
            }
            long expected = (long) actors * requestsPerActor;
            long a = answered - answeredBefore;
            long r = replies - repliesBefore;
            answeredBefore = answered;
            repliesBefore = replies;
            Peers.check("W9 " + side + " requests answered", a, expected);
            Peers.check("W9 " + side + " replies received", r, expected);
            return a;
        }
    }

    // ------------------------------------------------------------------ kabuki

    sealed interface KMsg {}

    record KStart(ActorRef<KMsg>[] peers, int requests, CountDownLatch done) implements KMsg {}

    record KRequest(ActorRef<KMsg> from) implements KMsg {}

    record KReply() implements KMsg {}

    static final class KActor implements Actor<KMsg> {
        private final Node node;
        private ActorRef<KMsg>[] peers;
        private int requests;
        private CountDownLatch done;

        KActor(Node node) {
            this.node = node;
        }

        @Override
        public void receive(ActorContext<KMsg> ctx, KMsg msg) {
            switch (msg) {
                case KRequest q -> {
                    node.answered++;
                    q.from().tell(new KReply());
                }
                case KReply r -> {
                    node.replies++;
                    if (++node.repliesThisRun == requests) {
                        done.countDown();
                    } else {
                        peers[node.nextTarget(peers.length)].tell(new KRequest(ctx.self()));
                    }
                }
                case KStart s -> {
                    peers = s.peers();
                    requests = s.requests();
                    done = s.done();
                    node.repliesThisRun = 0;
                    peers[node.nextTarget(peers.length)].tell(new KRequest(ctx.self()));
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki extends Common {
        ActorSystem system;
        ActorRef<KMsg>[] refs;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() {
            prepareNodes();
            system = Peers.newKabuki(workers, "kabuki-w9");
            refs = new ActorRef[actors];
            for (int i = 0; i < actors; i++) {
                final Node node = nodes[i];
                refs[i] = system.spawnActor("node-" + i, () -> new KActor(node));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W9");
        }
    }

    @Benchmark
    public long kabuki(Kabuki s) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(s.actors);
        for (ActorRef<KMsg> a : s.refs) {
            a.tell(new KStart(s.refs, s.requestsPerActor, done));
        }
        return s.finish("kabuki", done);
    }

    // ------------------------------------------------------------------ Pekko

    sealed interface PMsg {}

    record PStart(org.apache.pekko.actor.typed.ActorRef<PMsg>[] peers, int requests, CountDownLatch done)
            implements PMsg {}

    record PRequest(org.apache.pekko.actor.typed.ActorRef<PMsg> from) implements PMsg {}

    record PReply() implements PMsg {}

    /** The Pekko actor: the same state as {@link KActor}, held in the {@code setup} closure. */
    static Behavior<PMsg> pekkoActor(Node node) {
        return Behaviors.setup(ctx -> {
            final org.apache.pekko.actor.typed.ActorRef<PMsg> self = ctx.getSelf();
            final Object[] run = new Object[2]; // peers, done: confined to the actor
            final int[] requests = new int[1];
            return Behaviors.<PMsg>receiveMessage(msg -> {
                switch (msg) {
                    case PRequest q -> {
                        node.answered++;
                        q.from().tell(new PReply());
                    }
                    case PReply r -> {
                        node.replies++;
                        if (++node.repliesThisRun == requests[0]) {
                            ((CountDownLatch) run[1]).countDown();
                        } else {
                            sendNext(node, run, self);
                        }
                    }
                    case PStart s -> {
                        run[0] = s.peers();
                        run[1] = s.done();
                        requests[0] = s.requests();
                        node.repliesThisRun = 0;
                        sendNext(node, run, self);
                    }
                }
                return Behaviors.same();
            });
        });
    }

    @SuppressWarnings("unchecked")
    private static void sendNext(Node node, Object[] run, org.apache.pekko.actor.typed.ActorRef<PMsg> self) {
        var peers = (org.apache.pekko.actor.typed.ActorRef<PMsg>[]) run[0];
        peers[node.nextTarget(peers.length)].tell(new PRequest(self));
    }

    @State(Scope.Benchmark)
    public static class Pekko extends Common {
        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PMsg>[] refs;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() {
            prepareNodes();
            system = Peers.newPekko(workers, "pekko-w9");
            refs = new org.apache.pekko.actor.typed.ActorRef[actors];
            final Node[] n = nodes;
            Peers.pekkoSpawnMany(system, i -> pekkoActor(n[i]), "node-", refs);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W9");
        }
    }

    @Benchmark
    public long pekko(Pekko s) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(s.actors);
        for (var a : s.refs) {
            a.tell(new PStart(s.refs, s.requestsPerActor, done));
        }
        return s.finish("pekko", done);
    }

    // ------------------------------------------------------------------ JDK

    sealed interface JMsg {}

    record JStart(VtActor<JMsg>[] peers, int requests, CountDownLatch done) implements JMsg {}

    record JRequest(VtActor<JMsg> from) implements JMsg {}

    record JReply() implements JMsg {}

    /** The JDK actor's handler: the same state as {@link KActor}, confined to its thread. */
    static final class JHandler implements java.util.function.Consumer<JMsg> {
        private final Node node;
        VtActor<JMsg> self;
        private VtActor<JMsg>[] peers;
        private int requests;
        private CountDownLatch done;

        JHandler(Node node) {
            this.node = node;
        }

        @Override
        public void accept(JMsg msg) {
            switch (msg) {
                case JRequest q -> {
                    node.answered++;
                    q.from().tell(new JReply());
                }
                case JReply r -> {
                    node.replies++;
                    if (++node.repliesThisRun == requests) {
                        done.countDown();
                    } else {
                        peers[node.nextTarget(peers.length)].tell(new JRequest(self));
                    }
                }
                case JStart s -> {
                    peers = s.peers();
                    requests = s.requests();
                    done = s.done();
                    node.repliesThisRun = 0;
                    peers[node.nextTarget(peers.length)].tell(new JRequest(self));
                }
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Jdk extends Common {
        VtActor<JMsg>[] refs;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setup() {
            prepareNodes();
            Peers.configureVirtualThreads(workers);
            refs = new VtActor[actors];
            for (int i = 0; i < actors; i++) {
                JHandler h = new JHandler(nodes[i]);
                refs[i] = new VtActor<>(h);
                // Published to the actor's thread by the first message (queue hand-off).
                h.self = refs[i];
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            for (VtActor<JMsg> a : refs) {
                a.stop();
            }
            for (VtActor<JMsg> a : refs) {
                a.join();
            }
        }
    }

    @Benchmark
    public long jdk(Jdk s) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(s.actors);
        for (VtActor<JMsg> a : s.refs) {
            a.tell(new JStart(s.refs, s.requestsPerActor, done));
        }
        return s.finish("jdk", done);
    }
}
