package dev.kabuki.net;

import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.SupervisorStrategy;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and tuning of a {@link TcpServer}'s or {@link TcpClient}'s connections. Immutable; the
 * {@code with...} methods return a changed copy. {@link #defaults()} documents every default.
 *
 * @param maxConnections     server only: most connections open at once; a connection accepted
 *                           above it is closed at once and counted as rejected. Default 10,000
 * @param idleTimeout        a connection on which no whole frame arrives for this long is closed
 *                           ({@link CloseReason.Kind#IDLE_TIMEOUT}); bytes that do not complete a
 *                           frame do not count (a slowloris peer is closed). {@link Duration#ZERO}
 *                           = never (the default)
 * @param connectTimeout     client only: how long a connect may take. Default 10 s
 * @param closeTimeout       how long a graceful close waits for queued output to flush before
 *                           aborting. Default 10 s
 * @param inboundHighWater   unprocessed {@link TcpEvent.Received} messages in the handler's
 *                           mailbox at which the driver stops reading the socket (TCP then pushes
 *                           back on the peer). Default 64
 * @param inboundLowWater    ...at or below which it reads again. Default 16
 * @param outboundHighWater  unflushed bytes above which the connection is unwritable. Default 64 KiB
 * @param outboundLowWater   unflushed bytes below which it is writable again. Default 32 KiB
 * @param outboundLimit      unflushed bytes above which {@code outboundOverflow} applies. Default 4 MiB
 * @param outboundOverflow   what happens above {@code outboundLimit}. Default
 *                           {@link OutboundOverflow#CLOSE}
 * @param allowHalfClosure   whether a peer's end of stream is delivered as
 *                           {@link TcpEvent.PeerClosed} (the handler may still write), rather
 *                           than closing the connection. Default false
 * @param readBufferSize     bytes read from the socket at most per read. Default 64 KiB
 * @param tcpNoDelay         {@code TCP_NODELAY}. Default true
 * @param backlog            server only: the listen backlog. Default 1024
 * @param handlerOptions     the handler actors' options; their supervision defaults to stop
 *                           (a handler that throws closes its connection with
 *                           {@link CloseReason.Kind#HANDLER_FAILED}, and the server goes on)
 */
public record TcpOptions(int maxConnections, Duration idleTimeout, Duration connectTimeout,
                         Duration closeTimeout, int inboundHighWater, int inboundLowWater,
                         long outboundHighWater, long outboundLowWater, long outboundLimit,
                         OutboundOverflow outboundOverflow, boolean allowHalfClosure,
                         int readBufferSize, boolean tcpNoDelay, int backlog,
                         ActorOptions handlerOptions) {

    /** What a write does when unflushed output is above {@link #outboundLimit()}. */
    public enum OutboundOverflow {
        /** Close the connection ({@link CloseReason.Kind#OUTBOUND_OVERFLOW}), dropping its queued output; the write returns false. */
        CLOSE,
        /** Refuse the write (it returns false), keep the connection. */
        REFUSE_WRITE
    }

    /** Validates every limit; the message names the one that is wrong. */
    public TcpOptions {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
        checkDuration("idleTimeout", idleTimeout);
        checkDuration("connectTimeout", connectTimeout);
        checkDuration("closeTimeout", closeTimeout);
        if (inboundHighWater < 1 || inboundLowWater < 0 || inboundLowWater >= inboundHighWater) {
            throw new IllegalArgumentException("inbound water marks need 0 <= low < high and high >= 1, got low="
                    + inboundLowWater + " high=" + inboundHighWater);
        }
        if (outboundLowWater < 0 || outboundLowWater >= outboundHighWater || outboundHighWater > outboundLimit) {
            throw new IllegalArgumentException("outbound limits need 0 <= low < high <= limit, got low="
                    + outboundLowWater + " high=" + outboundHighWater + " limit=" + outboundLimit);
        }
        Objects.requireNonNull(outboundOverflow, "outboundOverflow");
        if (readBufferSize < 64 || readBufferSize > (16 << 20)) {
            throw new IllegalArgumentException("readBufferSize must be between 64 and 16 MiB, got " + readBufferSize);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
        }
        Objects.requireNonNull(handlerOptions, "handlerOptions");
    }

    private static void checkDuration(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be zero or more, got " + d);
        }
    }

    /** Every default, as documented on each component. */
    public static TcpOptions defaults() {
        return new TcpOptions(10_000, Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(10),
                64, 16, 64 << 10, 32 << 10, 4 << 20, OutboundOverflow.CLOSE, false, 64 << 10, true, 1024,
                ActorOptions.defaults().supervision(SupervisorStrategy.stop()));
    }

    /** A copy with {@code maxConnections} changed. */
    public TcpOptions withMaxConnections(int n) {
        return new TcpOptions(n, idleTimeout, connectTimeout, closeTimeout, inboundHighWater, inboundLowWater,
                outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow, allowHalfClosure,
                readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with {@code idleTimeout} changed ({@link Duration#ZERO} = never). */
    public TcpOptions withIdleTimeout(Duration timeout) {
        return new TcpOptions(maxConnections, timeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with {@code connectTimeout} changed. */
    public TcpOptions withConnectTimeout(Duration timeout) {
        return new TcpOptions(maxConnections, idleTimeout, timeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with {@code closeTimeout} changed. */
    public TcpOptions withCloseTimeout(Duration timeout) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, timeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with the inbound water marks changed (messages). */
    public TcpOptions withInboundWaterMarks(int low, int high) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, high, low,
                outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow, allowHalfClosure,
                readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with the outbound water marks, limit and overflow policy changed (bytes). */
    public TcpOptions withOutboundLimits(long low, long high, long limit, OutboundOverflow overflow) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, high, low, limit, overflow, allowHalfClosure, readBufferSize, tcpNoDelay,
                backlog, handlerOptions);
    }

    /** A copy with {@code allowHalfClosure} changed. */
    public TcpOptions withAllowHalfClosure(boolean allow) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow, allow,
                readBufferSize, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with {@code readBufferSize} changed. */
    public TcpOptions withReadBufferSize(int bytes) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, bytes, tcpNoDelay, backlog, handlerOptions);
    }

    /** A copy with {@code tcpNoDelay} changed. */
    public TcpOptions withTcpNoDelay(boolean noDelay) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, noDelay, backlog, handlerOptions);
    }

    /** A copy with {@code backlog} changed. */
    public TcpOptions withBacklog(int n) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, tcpNoDelay, n, handlerOptions);
    }

    /** A copy with the handler actors' options changed (supervision, blocking, mailbox). */
    public TcpOptions withHandlerOptions(ActorOptions options) {
        return new TcpOptions(maxConnections, idleTimeout, connectTimeout, closeTimeout, inboundHighWater,
                inboundLowWater, outboundHighWater, outboundLowWater, outboundLimit, outboundOverflow,
                allowHalfClosure, readBufferSize, tcpNoDelay, backlog, options);
    }
}
