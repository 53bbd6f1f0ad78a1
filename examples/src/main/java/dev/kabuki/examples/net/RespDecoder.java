package dev.kabuki.examples.net;

import dev.kabuki.net.Codec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The incremental RESP request decoder of one connection: arrays of bulk strings
 * ({@code *2\r\n$3\r\nGET\r\n$1\r\na\r\n}, what clients send) and inline lines
 * ({@code GET a\r\n}, what telnet and nc send).
 *
 * <h2>State</h2>
 * Between calls it keeps the request being read: how many arguments the array still owes, the
 * arguments read so far, and the bulk string being read with the bytes of it received so far.
 * Each argument is consumed from the driver's buffer as soon as it is read, so the driver keeps
 * at most one unfinished header line or one unfinished bulk string's tail, never a whole
 * request.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>No declared length or count is allocated before its bytes arrive: a bulk string's
 *       buffer is allocated when all of it is in the driver's buffer, or else grown (doubling,
 *       capped at the declared length) as its bytes come; the argument list grows as arguments
 *       come.</li>
 *   <li>What it holds is bounded by {@link RespLimits}: a header line longer than
 *       {@code maxInlineLength}, a bulk length above {@code maxBulkLength}, an array count above
 *       {@code maxArrayLength}, or arguments adding up to more than {@code maxRequestBytes} is a
 *       {@link RespRequest.ProtocolError}.</li>
 *   <li>After a protocol error it consumes and drops everything, for ever: the stream cannot be
 *       resynchronised, and the handler closes the connection once the error is answered.</li>
 * </ul>
 * It never throws {@link dev.kabuki.net.DecodingException}: bad input is a frame, so the client
 * gets its {@code -ERR Protocol error: ...} reply in order before the connection closes.
 * Stricter than Redis in one point: a bulk string must be followed by CRLF.
 */
final class RespDecoder implements Codec.Decoder<RespFrame> {
    /** First capacity of a bulk string that has to be grown as its bytes come. */
    private static final int FIRST_CHUNK = 16 << 10;

    private final RespLimits limits;

    private boolean failed;
    /** The protocol error, once there is one. */
    private RespRequest.ProtocolError error;
    /** Arguments the current array still owes; 0 between requests. */
    private int argsOwed;
    private List<byte[]> args;
    private long requestBytes;
    /** Declared length of the bulk string being read; -1 when a {@code $} header comes next. */
    private int bulkLength = -1;
    /** The part of the bulk string received so far, when it did not arrive in one piece. */
    private byte[] bulk;
    private int bulkFilled;
    /**
     * Bytes after the buffer's position already searched for the end of the current header or
     * inline line: the driver hands back unconsumed bytes at the start of the buffer, so the
     * search resumes there instead of rescanning (a line sent a byte at a time costs linear time).
     */
    private int lineScanned;

    RespDecoder(RespLimits limits) {
        this.limits = limits;
    }

    @Override
    public RespFrame decode(ByteBuffer in) {
        if (failed) {
            in.position(in.limit());
            return null;
        }
        while (argsOwed == 0) {
            if (!in.hasRemaining()) {
                return null;
            }
            if (in.get(in.position()) == '*') {
                long count = readHeaderLine(in, "mbulk count");
                if (count == NEED_MORE) {
                    return null;
                }
                if (count == TOO_LONG) {
                    return fail(in, "too big mbulk count string");
                }
                if (count == INVALID || count > limits.maxArrayLength()) {
                    return fail(in, "invalid multibulk length");
                }
                if (count > 0) { // *0 and *-1 are empty requests, skipped as Redis does
                    argsOwed = (int) count;
                    args = new ArrayList<>((int) Math.min(count, 16));
                    requestBytes = 0;
                }
            } else {
                int before = in.position();
                RespFrame inline = readInline(in);
                if (inline != null) {
                    return inline;
                }
                if (in.position() == before) {
                    return null; // the line has not ended yet
                }
                // a blank line, consumed: go on
            }
        }
        while (argsOwed > 0) {
            if (bulkLength < 0) {
                if (!in.hasRemaining()) {
                    return null;
                }
                byte first = in.get(in.position());
                if (first != '$') {
                    return fail(in, "expected '$', got '" + (char) (first & 0xff) + "'");
                }
                long length = readHeaderLine(in, "bulk count");
                if (length == NEED_MORE) {
                    return null;
                }
                if (length == TOO_LONG) {
                    return fail(in, "too big bulk count string");
                }
                if (length == INVALID || length > limits.maxBulkLength()) {
                    return fail(in, "invalid bulk length");
                }
                if (requestBytes + length > limits.maxRequestBytes()) {
                    return fail(in, "request larger than " + limits.maxRequestBytes() + " bytes");
                }
                bulkLength = (int) length;
                bulkFilled = 0;
                bulk = null;
            }
            byte[] value = readBulk(in);
            if (value == null) {
                return error; // null unless the bulk string's end was malformed just now
            }
            args.add(value);
            requestBytes += value.length;
            argsOwed--;
        }
        List<byte[]> done = args;
        args = null;
        return new RespRequest.Command(done);
    }

    // ------------------------------------------------------------------ bulk strings

    /** The bulk string being read and its CRLF, once whole; {@code null} if more bytes are needed. */
    private byte[] readBulk(ByteBuffer in) {
        int length = bulkLength;
        if (bulk == null && in.remaining() >= length + 2L) { // all here: one allocation, one copy
            byte[] value = new byte[length];
            in.get(value);
            return endOfBulk(in, value);
        }
        if (bulkFilled < length) {
            int take = Math.min(length - bulkFilled, in.remaining());
            if (take > 0) {
                ensureBulkCapacity(bulkFilled + take);
                in.get(bulk, bulkFilled, take);
                bulkFilled += take;
            }
            if (bulkFilled < length) {
                return null;
            }
        }
        if (in.remaining() < 2) {
            return null;
        }
        byte[] value = bulk.length == length ? bulk : Arrays.copyOf(bulk, length);
        bulk = null;
        return endOfBulk(in, value);
    }

    private byte[] endOfBulk(ByteBuffer in, byte[] value) {
        int p = in.position();
        if (in.get(p) != '\r' || in.get(p + 1) != '\n') {
            fail(in, "expected CRLF after a bulk string of " + bulkLength + " bytes");
            return null;
        }
        in.position(p + 2);
        bulkLength = -1;
        return value;
    }

    private void ensureBulkCapacity(int needed) {
        if (bulk == null) {
            bulk = new byte[Math.min(bulkLength, Math.max(FIRST_CHUNK, needed))];
        } else if (bulk.length < needed) {
            long doubled = Math.max((long) bulk.length * 2, needed);
            bulk = Arrays.copyOf(bulk, (int) Math.min(bulkLength, doubled));
        }
    }

    // ------------------------------------------------------------------ header and inline lines

    private static final long NEED_MORE = -2;
    private static final long INVALID = -3;
    private static final long TOO_LONG = -4;

    /**
     * Reads {@code *<n>\r\n} or {@code $<n>\r\n} at the buffer's position: the number (-1 for a
     * negative one, meaning empty), or {@link #NEED_MORE} (nothing consumed), {@link #INVALID},
     * {@link #TOO_LONG}.
     */
    private long readHeaderLine(ByteBuffer in, String what) {
        int start = in.position();
        int end = findCrlf(in, start + Math.max(1, lineScanned));
        if (end < 0) {
            lineScanned = Math.max(0, in.remaining() - 1); // a CR may be the last byte
            return in.remaining() > limits.maxInlineLength() ? TOO_LONG : NEED_MORE;
        }
        lineScanned = 0;
        if (end - start > limits.maxInlineLength()) {
            return TOO_LONG;
        }
        long n = parseLong(in, start + 1, end);
        in.position(end + 2);
        if (n == Long.MIN_VALUE) {
            return INVALID;
        }
        if (n < 0) {
            return what.equals("bulk count") ? INVALID : 0; // "$-1" in a request is invalid; "*-1" is empty
        }
        return n;
    }

    /**
     * Reads one inline line: a command, a {@link RespRequest.ProtocolError}, or {@code null}
     * when the line was blank (consumed) or has not ended yet (nothing consumed).
     */
    private RespFrame readInline(ByteBuffer in) {
        int start = in.position();
        int newline = -1;
        for (int i = start + lineScanned, limit = in.limit(); i < limit; i++) {
            if (in.get(i) == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            lineScanned = in.remaining();
            if (in.remaining() > limits.maxInlineLength()) {
                return fail(in, "too big inline request");
            }
            return null;
        }
        lineScanned = 0;
        if (newline - start > limits.maxInlineLength()) {
            return fail(in, "too big inline request");
        }
        int end = newline > start && in.get(newline - 1) == '\r' ? newline - 1 : newline;
        byte[] line = new byte[end - start];
        in.get(start, line);
        in.position(newline + 1);
        List<byte[]> split = InlineCommandSplitter.split(line, 0, line.length);
        if (split == null) {
            return fail(in, "unbalanced quotes in request");
        }
        return split.isEmpty() ? null : new RespRequest.Command(split);
    }

    /** Index of the {@code \r} of the first CRLF at or after {@code from}, or -1. */
    private static int findCrlf(ByteBuffer in, int from) {
        for (int i = from, last = in.limit() - 1; i < last; i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A decimal integer in {@code [from, to)}: optional '-', digits; {@link Long#MIN_VALUE} if invalid or too long. */
    private static long parseLong(ByteBuffer in, int from, int to) {
        boolean negative = from < to && in.get(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to || to - i > 18) {
            return Long.MIN_VALUE;
        }
        long n = 0;
        for (; i < to; i++) {
            byte c = in.get(i);
            if (c < '0' || c > '9') {
                return Long.MIN_VALUE;
            }
            n = n * 10 + (c - '0');
        }
        return negative ? -n : n;
    }

    private RespRequest.ProtocolError fail(ByteBuffer in, String message) {
        failed = true;
        lineScanned = 0;
        args = null;
        bulk = null;
        in.position(in.limit());
        error = new RespRequest.ProtocolError(message);
        return error;
    }
}
