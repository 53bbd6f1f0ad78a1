package dev.kabuki.net;

/**
 * What happens on a connection, delivered to its handler actor as messages, in this order:
 * {@link Connected} first; then any number of {@link Received}, {@link Writable},
 * {@link Unwritable} and at most one {@link PeerClosed}; {@link Closed} last, after which the
 * handler actor is stopped.
 *
 * <p>Match them with a {@code switch}:
 * <pre>{@code
 * switch (event) {
 *     case TcpEvent.Received<String>(String line) -> conn.write(line);
 *     case TcpEvent.Closed<String>(CloseReason reason) -> log.info("closed: {}", reason);
 *     default -> { }
 * }
 * }</pre>
 *
 * @param <F> the connection's frame type
 */
public sealed interface TcpEvent<F> {

    /** The connection is open; the first event. */
    record Connected<F>() implements TcpEvent<F> {
    }

    /**
     * A frame (or, with {@link Framing#raw()}, a chunk of bytes) arrived. Until the handler has
     * processed enough of these, the driver stops reading from the peer (inbound backpressure,
     * {@link TcpOptions#inboundHighWater()}).
     *
     * @param frame the decoded frame
     */
    record Received<F>(F frame) implements TcpEvent<F> {
    }

    /**
     * The peer shut its output (end of stream); delivered only with
     * {@link TcpOptions#allowHalfClosure()} on: the handler may still write, then close.
     * Without it the connection is closed instead ({@link CloseReason.Kind#PEER_CLOSED}).
     */
    record PeerClosed<F>() implements TcpEvent<F> {
    }

    /**
     * Unflushed output passed {@link TcpOptions#outboundHighWater()}: the peer is slow; writes
     * are still queued, but the handler should stop producing until {@link Writable}.
     */
    record Unwritable<F>() implements TcpEvent<F> {
    }

    /** Unflushed output fell back below {@link TcpOptions#outboundLowWater()} after {@link Unwritable}. */
    record Writable<F>() implements TcpEvent<F> {
    }

    /**
     * The connection is closed; the last event. The handler actor stops after processing it.
     *
     * @param reason why it closed
     */
    record Closed<F>(CloseReason reason) implements TcpEvent<F> {
    }
}
