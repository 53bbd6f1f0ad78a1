package dev.kabuki.net;

import java.util.Objects;

/**
 * Why a connection closed: the kind (which server metrics count), a message for people, and the
 * exception behind it if there is one. Delivered to the handler in {@link TcpEvent.Closed} and
 * available from {@link TcpConnection#closeReason()}.
 *
 * @param kind    what closed the connection
 * @param message a human-readable description
 * @param cause   the exception behind it ({@link Kind#DECODING_FAILED}, {@link Kind#HANDLER_FAILED},
 *                {@link Kind#IO_ERROR}, {@link Kind#RESET}), or {@code null}
 */
public record CloseReason(Kind kind, String message, Throwable cause) {

    /** What closed a connection. */
    public enum Kind {
        /** The handler called {@link TcpConnection#close()} (graceful: queued writes were flushed first). */
        CLOSED_BY_HANDLER,
        /** The handler called {@link TcpConnection#abort()}: queued writes dropped, RST sent. */
        ABORTED,
        /** The peer closed its side (end of stream) and half-closure is not allowed, or both sides are now shut. */
        PEER_CLOSED,
        /** The peer reset the connection (RST) or it broke ({@code Connection reset}, broken pipe). */
        RESET,
        /** The decoder rejected the input: frame too long, invalid length, malformed. */
        DECODING_FAILED,
        /** No whole frame arrived within the idle timeout ({@link TcpOptions#idleTimeout()}). */
        IDLE_TIMEOUT,
        /** Unflushed output passed the hard limit ({@link TcpOptions#outboundLimit()}); the peer was not reading. */
        OUTBOUND_OVERFLOW,
        /** The handler threw and its supervision stopped it, or it stopped for another reason. */
        HANDLER_FAILED,
        /** The handler actor stopped (it called {@code stopSelf}, or was stopped) while the connection was open. */
        HANDLER_STOPPED,
        /** The server was closed with {@link TcpServer#close()}. */
        SERVER_CLOSED,
        /** The actor system shut down. */
        SYSTEM_SHUTDOWN,
        /** Any other I/O error on the socket. */
        IO_ERROR
    }

    /** Checks the kind and message are given. */
    public CloseReason {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    /** A reason with no exception. */
    public static CloseReason of(Kind kind, String message) {
        return new CloseReason(kind, message, null);
    }

    @Override
    public String toString() {
        return cause == null ? kind + ": " + message : kind + ": " + message + " (" + cause + ")";
    }
}
