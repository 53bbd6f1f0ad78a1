package dev.kabuki.net;

import dev.kabuki.actors.ActorRef;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One TCP connection, as its handler actor sees it: write frames, close it, read its state. The
 * handler gets it from the factory passed to {@link TcpServer#bind} or {@link TcpClient#connect},
 * and receives the connection's {@link TcpEvent}s as messages.
 *
 * <h2>Thread safety and blocking</h2>
 * Every method is thread-safe and non-blocking: another actor (a chat room, say) may write to a
 * connection it was given. Writes are queued per connection and written in the order the calls
 * returned; the socket is written at once when it can take the bytes, else by the I/O driver when
 * it becomes writable. A write never blocks and never fails silently: it returns {@code false}
 * when the connection is closing or closed (the handler then gets, or has had,
 * {@link TcpEvent.Closed}).
 *
 * <h2>Outbound backpressure</h2>
 * Queued, unflushed bytes ({@link #queuedBytes()}) above {@link TcpOptions#outboundHighWater()}
 * make the connection unwritable ({@link TcpEvent.Unwritable}); below
 * {@link TcpOptions#outboundLowWater()} writable again ({@link TcpEvent.Writable}). Above
 * {@link TcpOptions#outboundLimit()} the {@link TcpOptions#outboundOverflow()} policy applies:
 * close the connection ({@link CloseReason.Kind#OUTBOUND_OVERFLOW}), or refuse the write.
 *
 * @param <F> the frame type of its codec
 */
public interface TcpConnection<F> {

    /**
     * Encodes {@code frame} with the connection's codec and queues its bytes for writing.
     *
     * @return {@code true} if the bytes were queued; {@code false} if the connection is closing
     *         or closed, or the write was refused by {@link TcpOptions.OutboundOverflow#REFUSE_WRITE}
     * @throws IllegalArgumentException the codec cannot encode the frame
     */
    boolean write(F frame);

    /**
     * Like {@link #write}, but leaves the bytes queued until the next {@link #flush()} or
     * {@code write}: a handler answering several pipelined requests queues each answer and flushes
     * once, so they leave in one gathering write (Netty's {@code write} then {@code flush}).
     * Queued bytes count towards the water marks and limit as soon as they are queued. A graceful
     * {@link #close()} flushes them.
     *
     * @return as {@link #write}
     */
    boolean queue(F frame);

    /** Writes what {@link #queue} left queued, as far as the socket takes it now (the rest later). */
    void flush();

    /**
     * Graceful close: no more writes are accepted, the queued ones are flushed, then the socket
     * is closed; the handler gets {@link TcpEvent.Closed} with
     * {@link CloseReason.Kind#CLOSED_BY_HANDLER}. A peer that does not read within
     * {@link TcpOptions#closeTimeout()} is aborted. Idempotent.
     */
    void close();

    /**
     * Abortive close: queued writes are dropped and the socket is closed with {@code SO_LINGER}
     * 0, so the peer gets a reset (RST). Idempotent.
     */
    void abort();

    /**
     * Half-close: flush what is queued, then shut the output (the peer reads end of stream);
     * the connection still reads until the peer closes. Later writes return {@code false}.
     */
    void shutdownOutput();

    /**
     * Stops reading from the peer until {@link #resumeReading()}, whatever the inbound credit
     * (Netty's {@code autoRead(false)}): TCP then pushes back on the peer. An echo-like handler
     * calls it on {@link TcpEvent.Unwritable} and resumes on {@link TcpEvent.Writable}, so a peer
     * that sends without reading is slowed down instead of reaching the outbound limit. Frames
     * already read are still delivered. Idempotent.
     */
    void suspendReading();

    /** Reads again after {@link #suspendReading()} (if the inbound credit allows). Idempotent. */
    void resumeReading();

    /** Whether the connection is open and accepting writes. */
    boolean isOpen();

    /**
     * Whether unflushed output is below the high-water mark (no {@link TcpEvent.Unwritable}
     * outstanding).
     */
    boolean isWritable();

    /** Bytes queued and not yet written to the socket. */
    long queuedBytes();

    /** Why the connection closed, once it has. */
    Optional<CloseReason> closeReason();

    /** The peer's address. */
    InetSocketAddress remoteAddress();

    /** This side's address. */
    InetSocketAddress localAddress();

    /** A number unique among this actor system's connections, for logs. */
    long id();

    /** The handler actor of this connection. */
    ActorRef<?> handler();
}
