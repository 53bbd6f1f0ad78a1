package dev.kabuki.examples.net;

/**
 * What the RESP decoder accepts from one client before it answers with a protocol error and the
 * connection closes. They bound the memory a client can make the server hold: nothing is
 * allocated for a declared length or count before its bytes arrive, and what has arrived is
 * bounded by these.
 *
 * @param maxBulkLength   most bytes in one bulk string (an argument). Redis's
 *                        {@code proto-max-bulk-len}; default 512 MiB
 * @param maxArrayLength  most elements a request array may declare (arguments of one
 *                        command). Default 1,048,576
 * @param maxInlineLength most bytes in an inline command line, and in the header line of an
 *                        array or bulk string. Redis's {@code PROTO_INLINE_MAX_SIZE}; default 64 KiB
 * @param maxRequestBytes most argument bytes in one command, all arguments together. Default
 *                        1 GiB (Redis's {@code client-query-buffer-limit})
 */
public record RespLimits(int maxBulkLength, int maxArrayLength, int maxInlineLength, long maxRequestBytes) {

    /** The largest bulk string RESP allows: 512 MiB. */
    public static final int PROTOCOL_MAX_BULK = 512 << 20;

    /** Validates each limit. */
    public RespLimits {
        if (maxBulkLength < 0 || maxBulkLength > PROTOCOL_MAX_BULK) {
            throw new IllegalArgumentException("maxBulkLength must be between 0 and 512 MiB, got " + maxBulkLength);
        }
        if (maxArrayLength < 1) {
            throw new IllegalArgumentException("maxArrayLength must be at least 1, got " + maxArrayLength);
        }
        if (maxInlineLength < 16) {
            throw new IllegalArgumentException("maxInlineLength must be at least 16, got " + maxInlineLength);
        }
        if (maxRequestBytes < maxBulkLength) {
            throw new IllegalArgumentException("maxRequestBytes (" + maxRequestBytes
                    + ") must be at least maxBulkLength (" + maxBulkLength + ")");
        }
    }

    /** Every default, as documented on each component. */
    public static RespLimits defaults() {
        return new RespLimits(PROTOCOL_MAX_BULK, 1 << 20, 64 << 10, 1L << 30);
    }

    /** A copy with {@code maxBulkLength} changed. */
    public RespLimits withMaxBulkLength(int bytes) {
        return new RespLimits(bytes, maxArrayLength, maxInlineLength, Math.max(maxRequestBytes, bytes));
    }

    /** A copy with {@code maxArrayLength} changed. */
    public RespLimits withMaxArrayLength(int elements) {
        return new RespLimits(maxBulkLength, elements, maxInlineLength, maxRequestBytes);
    }
}
