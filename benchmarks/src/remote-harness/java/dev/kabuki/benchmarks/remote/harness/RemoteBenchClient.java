package dev.kabuki.benchmarks.remote.harness;

/**
 * The client node's workloads. Each runs in the side's own actors until {@link #stop}; the harness
 * samples the {@link RemoteBenchProbe} at iteration boundaries.
 */
public interface RemoteBenchClient {
    /**
     * R1: an actor on the client sends a {@code size}-byte ping to the server's actor and sends the
     * next one when the pong (same size) comes back, calling {@link RemoteBenchProbe#roundTrip(long)}
     * with the ping's send time on each pong. One message in flight.
     */
    void startPingPong(int size, RemoteBenchProbe probe);

    /**
     * R2: an actor on the client sends {@code size}-byte messages to the server's counting actor,
     * keeping at most {@code window} sent and not yet acknowledged; the server acknowledges every
     * {@code ackEvery} messages, and the client calls {@link RemoteBenchProbe#acked(int)} with the
     * count each acknowledgement covers. {@code window} is a multiple of {@code ackEvery} and below
     * either side's outbound queue bound, so nothing is dropped by design.
     */
    void startOneWay(int size, int window, int ackEvery, RemoteBenchProbe probe);

    /** Stops the running workload: the client actor sends nothing more after this returns. */
    void stop() throws Exception;
}
