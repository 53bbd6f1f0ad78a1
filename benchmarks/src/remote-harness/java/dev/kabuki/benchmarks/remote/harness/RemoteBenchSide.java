package dev.kabuki.benchmarks.remote.harness;

import java.time.Duration;

/**
 * One actor system under the remote benchmark (R1 ping-pong, R2 one-way): kabuki, or a peer such as
 * Pekko Artery. {@link RemoteBenchMain} drives it; the side only knows how to serve and how to
 * connect, so both sides are measured by the same timing, latency and CPU code.
 */
public interface RemoteBenchSide {
    /**
     * Starts the server node: an actor that answers each ping with a pong of the same size, and an
     * actor that counts one-way messages and acknowledges every {@code ackEvery}-th to the sender.
     *
     * @return the address a client passes to {@link #connect} (printed as {@code listening on ADDR})
     */
    String serve(String host, int port) throws Exception;

    /**
     * Starts a client node and returns once one round trip to the server at {@code address}
     * completed (the association is up), or throws after {@code timeout}.
     */
    RemoteBenchClient connect(String host, String address, Duration timeout) throws Exception;

    /** Stops this side's node (server or client); the harness calls it once, last. */
    void shutdown() throws Exception;
}
