package dev.kabuki.benchmarks.pekkoremote;

import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Ack;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.ClientMsg;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Data;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Ping;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Pong;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.RunOneWay;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.RunPingPong;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.SinkMsg;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Start;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Stop;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchProbe;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/** The benchmark's typed actors: the server's ponger and sink, and the client actor. */
final class BenchActors {
    /** The server's actors' names, children of its guardian: /user/ponger and /user/sink. */
    static final String PONGER = "ponger";
    static final String SINK = "sink";

    private BenchActors() {
    }

    /** The server's guardian: spawns the ponger and the sink, then completes {@code ready}. */
    static Behavior<Void> server(CompletableFuture<Void> ready) {
        return Behaviors.setup(context -> {
            context.spawn(ponger(), PONGER);
            context.spawn(Behaviors.setup(Sink::new), SINK);
            ready.complete(null);
            return Behaviors.empty();
        });
    }

    /** R1's server side: answers each ping with a pong of the same size and send time. */
    static Behavior<Ping> ponger() {
        return Behaviors.receiveMessage(ping -> {
            ping.replyTo().tell(new Pong(ping.sentNanos(), ping.payload()));
            return Behaviors.same();
        });
    }

    /** R2's server side: counts messages and acknowledges every {@code ackEvery}-th. */
    static final class Sink extends AbstractBehavior<SinkMsg> {
        private ActorRef<Ack> replyTo;
        private int ackEvery = Integer.MAX_VALUE;
        private int count;

        Sink(ActorContext<SinkMsg> context) {
            super(context);
        }

        @Override
        public Receive<SinkMsg> createReceive() {
            return newReceiveBuilder()
                    .onMessage(Start.class, this::onStart)
                    .onMessage(Data.class, this::onData)
                    .build();
        }

        private Behavior<SinkMsg> onStart(Start start) {
            replyTo = start.replyTo();
            ackEvery = start.ackEvery();
            count = 0;
            return this;
        }

        private Behavior<SinkMsg> onData(Data data) {
            if (++count == ackEvery) {
                replyTo.tell(new Ack(count));
                count = 0;
            }
            return this;
        }
    }

    /**
     * The client node's guardian and only actor: runs R1 or R2 as the harness asks, reports to the
     * probe (it is the probe's single writer) and stops sending on {@link Stop}.
     */
    static final class Client extends AbstractBehavior<ClientMsg> {
        private final ActorRef<Pong> selfForPongs;
        private final ActorRef<Ack> selfForAcks;
        private RemoteBenchProbe probe;
        private ActorRef<Ping> ponger;
        private ActorRef<SinkMsg> sink;
        /** Never changed after it is made: every message sent shares it (serialization copies it). */
        private byte[] payload;
        private boolean stopped;

        static Behavior<ClientMsg> create() {
            return Behaviors.setup(Client::new);
        }

        private Client(ActorContext<ClientMsg> context) {
            super(context);
            selfForPongs = context.getSelf().narrow();
            selfForAcks = context.getSelf().narrow();
        }

        @Override
        public Receive<ClientMsg> createReceive() {
            return newReceiveBuilder()
                    .onMessage(Pong.class, this::onPong)
                    .onMessage(Ack.class, this::onAck)
                    .onMessage(RunPingPong.class, this::onRunPingPong)
                    .onMessage(RunOneWay.class, this::onRunOneWay)
                    .onMessage(Stop.class, this::onStop)
                    .build();
        }

        private Behavior<ClientMsg> onRunPingPong(RunPingPong run) {
            probe = run.probe();
            ponger = run.ponger();
            payload = new byte[run.size()];
            stopped = false;
            ponger.tell(new Ping(System.nanoTime(), payload, selfForPongs));
            return this;
        }

        private Behavior<ClientMsg> onPong(Pong pong) {
            if (stopped || probe == null) {
                return this;
            }
            probe.roundTrip(pong.sentNanos());
            ponger.tell(new Ping(System.nanoTime(), payload, selfForPongs));
            return this;
        }

        private Behavior<ClientMsg> onRunOneWay(RunOneWay run) {
            probe = run.probe();
            sink = run.sink();
            payload = new byte[run.size()];
            stopped = false;
            // Start and the Data after it go to the same actor over the same association: in order.
            sink.tell(new Start(selfForAcks, run.ackEvery()));
            send(run.window());
            return this;
        }

        private Behavior<ClientMsg> onAck(Ack ack) {
            if (stopped || probe == null) {
                return this;
            }
            probe.acked(ack.count());
            send(ack.count()); // refill the window: at most WINDOW sent and not yet acknowledged
            return this;
        }

        private void send(int messages) {
            for (int i = 0; i < messages; i++) {
                sink.tell(new Data(payload));
            }
        }

        private Behavior<ClientMsg> onStop(Stop stop) {
            stopped = true;
            stop.replyTo().tell(Done.getInstance());
            return this;
        }
    }
}
