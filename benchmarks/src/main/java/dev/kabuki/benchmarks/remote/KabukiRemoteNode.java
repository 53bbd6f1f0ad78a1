package dev.kabuki.benchmarks.remote;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.ShutdownReport;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchClient;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchMain;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchProbe;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchSide;
import dev.kabuki.remote.RemoteActors;
import dev.kabuki.remote.RemoteSettings;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * kabuki's node of the remote benchmark (R1 ping-pong, R2 one-way, idle CPU; the driver is
 * {@link RemoteBenchMain}, the peer is benchmarks-pekko-remote's {@code PekkoRemoteNode}).
 * Written as a user of {@code kabuki-remote} would: records and a sealed interface as messages,
 * allowed on the wire, actors spawned on the system, found by URI with {@code lookup}, plain
 * {@code tell}; every remote setting at its default (Aeron UDP on 127.0.0.1, the Fory
 * serializer, 2 MiB outbound queue per peer, no cookie).
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks.jar \
 *     dev.kabuki.benchmarks.remote.KabukiRemoteNode server --port 0
 * java ... KabukiRemoteNode client --server kabuki://bench@127.0.0.1:PORT --mode R1
 * </pre>
 *
 * The server node ({@code bench}) runs {@code /user/ponger}, which answers each {@link Ping} with
 * a {@link Pong} carrying the same payload, and {@code /user/sink}, which counts {@link Data} and
 * sends an {@link Ack} every {@code ackEvery} messages to whoever sent the last {@link Start}.
 * The client node ({@code client}) runs one actor per workload: a {@link Pinger} (one ping in
 * flight) or a {@link Streamer} (at most {@code window} data messages unacknowledged).
 */
public final class KabukiRemoteNode {
    private KabukiRemoteNode() {
    }

    // ------------------------------------------------------------------ the wire protocol

    /** R1's request: answered by a {@link Pong} with the same {@code sentNanos} and payload. */
    public record Ping(long sentNanos, byte[] payload, ActorRef<Pong> replyTo) {
    }

    /** R1's reply. */
    public record Pong(long sentNanos, byte[] payload) {
    }

    /** What the sink understands. */
    public sealed interface SinkMsg permits Start, Data {
    }

    /** R2: from now on acknowledge every {@code ackEvery} data messages to {@code replyTo}. */
    public record Start(ActorRef<Ack> replyTo, int ackEvery) implements SinkMsg {
    }

    /** R2's one-way message. */
    public record Data(byte[] payload) implements SinkMsg {
    }

    /** R2: {@code count} more data messages arrived at the sink. */
    public record Ack(int count) {
    }

    /**
     * The remote settings of both nodes: the defaults, these types allowed on the wire; with
     * {@code -Dkabuki.bench.maxIdleParkMicros=N}, {@link RemoteSettings#maxIdlePark} set to N µs
     * (the suite's "kabuki-idle10ms" side).
     */
    static RemoteSettings settings(String host, int port) {
        RemoteSettings s = RemoteSettings.bind(host, port).allow(Ping.class, Pong.class, SinkMsg.class, Ack.class);
        String park = System.getProperty("kabuki.bench.maxIdleParkMicros");
        return park == null ? s : s.maxIdlePark(java.time.Duration.ofNanos(Long.parseLong(park) * 1000));
    }

    /**
     * R2 needs the window to fit in the client's outbound queue (2 MiB by default): a data frame
     * is its payload plus well under 256 bytes (frame header, recipient path, type number, Fory's
     * record header, the ring buffer's record header), so this bound leaves room to spare.
     */
    private static final int OUTBOUND_QUEUE_BYTES = 2 * 1024 * 1024;
    private static final int FRAME_OVERHEAD_BOUND = 256;

    // ------------------------------------------------------------------ the server's actors

    /** Answers each ping to its sender. */
    static final class Ponger implements Actor<Ping> {
        @Override
        public void receive(ActorContext<Ping> ctx, Ping ping) {
            ping.replyTo().tell(new Pong(ping.sentNanos(), ping.payload()));
        }
    }

    /** Counts data messages, acknowledging every {@code ackEvery}-th. */
    static final class Sink implements Actor<SinkMsg> {
        private ActorRef<Ack> replyTo;
        private int ackEvery = Integer.MAX_VALUE;
        private int count;

        @Override
        public void receive(ActorContext<SinkMsg> ctx, SinkMsg msg) {
            switch (msg) {
                case Start s -> {
                    replyTo = s.replyTo();
                    ackEvery = s.ackEvery();
                    count = 0;
                }
                case Data d -> {
                    if (++count == ackEvery) {
                        replyTo.tell(new Ack(count));
                        count = 0;
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ the client's actors

    /**
     * A running client actor's stop: {@link #request} asks it to send nothing more, and it
     * {@link #acknowledge}s once it has nothing in flight (R1: the outstanding pong came back;
     * R2: every data message sent was acknowledged), so the nodes shut down with nothing on the
     * wire and no message goes to dead letters.
     */
    static final class StopSignal {
        private volatile boolean requested;
        private final CountDownLatch acknowledged = new CountDownLatch(1);

        boolean requested() {
            return requested;
        }

        void acknowledge() {
            acknowledged.countDown();
        }

        void request(Duration timeout) throws InterruptedException {
            requested = true;
            if (!acknowledged.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the client actor did not acknowledge the stop within " + timeout
                        + ": a reply was lost");
            }
        }
    }

    /** R1: one ping in flight; the next goes when the pong is back. */
    static final class Pinger implements Actor<Pong> {
        private final ActorRef<Ping> ponger;
        private final byte[] payload;
        private final RemoteBenchProbe probe;
        private final StopSignal stop;

        Pinger(ActorRef<Ping> ponger, int size, RemoteBenchProbe probe, StopSignal stop) {
            this.ponger = ponger;
            this.payload = new byte[size];
            this.probe = probe;
            this.stop = stop;
        }

        @Override
        public void onStart(ActorContext<Pong> ctx) {
            ponger.tell(new Ping(System.nanoTime(), payload, ctx.self()));
        }

        @Override
        public void receive(ActorContext<Pong> ctx, Pong pong) {
            probe.roundTrip(pong.sentNanos());
            if (stop.requested()) {
                stop.acknowledge();
            } else {
                ponger.tell(new Ping(System.nanoTime(), payload, ctx.self()));
            }
        }
    }

    /** R2: at most {@code window} data messages sent and not yet acknowledged. */
    static final class Streamer implements Actor<Ack> {
        private final ActorRef<SinkMsg> sink;
        private final Data data;
        private final int window;
        private final int ackEvery;
        private final RemoteBenchProbe probe;
        private final StopSignal stop;
        private int outstanding;

        Streamer(ActorRef<SinkMsg> sink, int size, int window, int ackEvery, RemoteBenchProbe probe, StopSignal stop) {
            this.sink = sink;
            this.data = new Data(new byte[size]);
            this.window = window;
            this.ackEvery = ackEvery;
            this.probe = probe;
            this.stop = stop;
        }

        @Override
        public void onStart(ActorContext<Ack> ctx) {
            sink.tell(new Start(ctx.self(), ackEvery));
            fill(ctx);
        }

        @Override
        public void receive(ActorContext<Ack> ctx, Ack ack) {
            probe.acked(ack.count());
            outstanding -= ack.count();
            if (!stop.requested()) {
                fill(ctx);
            } else if (outstanding == 0) {
                stop.acknowledge();
            }
        }

        private void fill(ActorContext<Ack> ctx) {
            while (outstanding < window) {
                // tryTell is false only when the outbound queue is full, which the window rules
                // out: a refusal is a bug here. The actor stops, so the next iteration completes
                // nothing and the driver fails the run.
                if (!sink.tryTell(data)) {
                    System.out.println("SUSPICIOUS: the remote outbound queue refused a data message with "
                            + outstanding + " unacknowledged (window " + window + "); the streamer stops");
                    ctx.stopSelf();
                    return;
                }
                outstanding++;
            }
        }
    }

    // ------------------------------------------------------------------ the side

    /** The driver's view of one kabuki node. */
    static final class Side implements RemoteBenchSide {
        private volatile ActorSystem system;

        @Override
        public String serve(String host, int port) {
            system = ActorSystem.builder().name("bench").build();
            try {
                RemoteActors remote = RemoteActors.start(system, settings(host, port));
                system.spawnActor("ponger", Ponger::new);
                system.spawnActor("sink", Sink::new);
                return remote.address().toString();
            } catch (RuntimeException | Error e) {
                shutdown();
                throw e;
            }
        }

        @Override
        public RemoteBenchClient connect(String host, String address, Duration timeout) throws Exception {
            system = ActorSystem.builder().name("client").build();
            try {
                RemoteActors remote = RemoteActors.start(system, settings(host, 0));
                long deadline = System.nanoTime() + timeout.toNanos();
                ActorRef<Ping> ponger = lookup(remote, URI.create(address + "/user/ponger"), Ping.class, deadline);
                ActorRef<SinkMsg> sink = lookup(remote, URI.create(address + "/user/sink"), SinkMsg.class, deadline);
                // One round trip on the user stream, through the actor R1 uses.
                Pong first = ponger.<Pong>ask(r -> new Ping(System.nanoTime(), new byte[1], r),
                        Duration.ofSeconds(10)).join(Duration.ofSeconds(15));
                if (first.payload().length != 1) {
                    throw new IllegalStateException("the ponger answered a 1-byte ping with "
                            + first.payload().length + " bytes");
                }
                return new Client(system, ponger, sink);
            } catch (Exception | Error e) {
                shutdown(); // the driver halts the JVM on failure: close the node (and its /dev/shm files) first
                throw e;
            }
        }

        private static <M> ActorRef<M> lookup(RemoteActors remote, URI uri, Class<M> type, long deadline)
                throws InterruptedException {
            while (true) {
                try {
                    return remote.lookup(uri, type).join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                } catch (RuntimeException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw new IllegalStateException("no " + uri + " before the connect timeout", e);
                    }
                    Thread.sleep(100); // the server's node may still be starting: look again
                }
            }
        }

        @Override
        public void shutdown() {
            ActorSystem s = system;
            system = null;
            if (s == null) {
                return;
            }
            long dead = s.deadLetters().count();
            ShutdownReport report = s.shutdown(Duration.ofSeconds(10));
            if (dead > 0) {
                System.out.println("SUSPICIOUS: kabuki node '" + s.name() + "': " + dead
                        + " dead letter(s) before shutdown");
            }
            if (!report.clean()) {
                System.out.println("SUSPICIOUS: kabuki node '" + s.name() + "' shutdown not clean: " + report);
            }
        }
    }

    /** The client node's workloads: one client actor at a time. */
    static final class Client implements RemoteBenchClient {
        private final ActorSystem system;
        private final ActorRef<Ping> ponger;
        private final ActorRef<SinkMsg> sink;
        private StopSignal running;

        Client(ActorSystem system, ActorRef<Ping> ponger, ActorRef<SinkMsg> sink) {
            this.system = system;
            this.ponger = ponger;
            this.sink = sink;
        }

        @Override
        public void startPingPong(int size, RemoteBenchProbe probe) {
            StopSignal stop = begin();
            system.spawnActor("pinger", () -> new Pinger(ponger, size, probe, stop));
        }

        @Override
        public void startOneWay(int size, int window, int ackEvery, RemoteBenchProbe probe) {
            if ((long) window * (size + FRAME_OVERHEAD_BOUND) > OUTBOUND_QUEUE_BYTES / 2) {
                throw new IllegalArgumentException("a window of " + window + " messages of " + size
                        + " bytes may not fit in half the outbound queue (" + OUTBOUND_QUEUE_BYTES + " bytes)");
            }
            StopSignal stop = begin();
            system.spawnActor("streamer", () -> new Streamer(sink, size, window, ackEvery, probe, stop));
        }

        private StopSignal begin() {
            if (running != null) {
                throw new IllegalStateException("a workload is already running");
            }
            running = new StopSignal();
            return running;
        }

        @Override
        public void stop() throws InterruptedException {
            if (running != null) {
                running.request(Duration.ofSeconds(30));
                running = null;
            }
        }
    }

    public static void main(String[] args) {
        RemoteBenchMain.run(System.getProperty("kabuki.bench.maxIdleParkMicros") == null ? "kabuki"
                : "kabuki-idle10ms", new Side(), args);
    }
}
