package dev.kabuki.benchmarks.pekkoremote;

import dev.kabuki.benchmarks.remote.harness.RemoteBenchProbe;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages of the Pekko remote benchmark, the same shape as kabuki's node uses. Those that cross
 * the network implement {@link Remote} and are written by {@link BenchSerializer} (bound to
 * {@code Remote} in {@link PekkoRemoteNode#config}); the client actor's local commands are never
 * serialized.
 */
final class BenchProtocol {
    private BenchProtocol() {
    }

    /** Marker of the messages that cross the network: the serialization binding's key. */
    interface Remote {
    }

    /** What the server's sink actor receives. */
    sealed interface SinkMsg {
    }

    /** What the client actor receives: the server's replies and the harness's commands. */
    sealed interface ClientMsg {
    }

    /** R1: a ping to the server's ponger, sent at {@code sentNanos} ({@link System#nanoTime}). */
    record Ping(long sentNanos, byte[] payload, ActorRef<Pong> replyTo) implements Remote {
    }

    /** R1: the ponger's reply, with the ping's send time and a payload of the same size. */
    record Pong(long sentNanos, byte[] payload) implements Remote, ClientMsg {
    }

    /** R2: tells the sink where to acknowledge, and how often; resets its count. */
    record Start(ActorRef<Ack> replyTo, int ackEvery) implements Remote, SinkMsg {
    }

    /** R2: one one-way message. */
    record Data(byte[] payload) implements Remote, SinkMsg {
    }

    /** R2: the sink received {@code count} more messages. */
    record Ack(int count) implements Remote, ClientMsg {
    }

    /** Local: start R1 against {@code ponger}. */
    record RunPingPong(ActorRef<Ping> ponger, int size, RemoteBenchProbe probe) implements ClientMsg {
    }

    /** Local: start R2 against {@code sink}. */
    record RunOneWay(ActorRef<SinkMsg> sink, int size, int window, int ackEvery, RemoteBenchProbe probe)
            implements ClientMsg {
    }

    /** Local: stop sending; acknowledged with {@link Done}. */
    record Stop(ActorRef<Done> replyTo) implements ClientMsg {
    }
}
