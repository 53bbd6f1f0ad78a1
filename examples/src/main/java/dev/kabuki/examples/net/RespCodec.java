package dev.kabuki.examples.net;

import dev.kabuki.net.Codec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * RESP2 for a kabuki-net server: decodes requests with a {@link RespDecoder} per connection,
 * encodes {@link RespReply}s (and {@link RespRequest.Command}s, as arrays of bulk strings, so
 * the same codec serves a client). Stateless apart from its decoders: safe to share.
 *
 * <p>Each encoded frame is one heap buffer of exactly its bytes; a bulk reply's bytes are copied
 * into it once. The common constant replies ({@code +OK}, {@code +PONG}, {@code $-1},
 * {@code :0}, {@code :1}) are encoded once and handed out as read-only duplicates.
 */
public final class RespCodec implements Codec<RespFrame> {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final ByteBuffer OK = constant("+OK\r\n");
    private static final ByteBuffer PONG = constant("+PONG\r\n");
    private static final ByteBuffer NULL_BULK = constant("$-1\r\n");
    private static final ByteBuffer ZERO = constant(":0\r\n");
    private static final ByteBuffer ONE = constant(":1\r\n");
    private static final ByteBuffer EMPTY_ARRAY = constant("*0\r\n");

    private final RespLimits limits;

    /** A codec whose decoders enforce {@code limits}. */
    public RespCodec(RespLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public Codec.Decoder<RespFrame> newDecoder() {
        return new RespDecoder(limits);
    }

    @Override
    public ByteBuffer encode(RespFrame frame) {
        ByteBuffer shared = shared(frame);
        if (shared != null) {
            return shared.duplicate();
        }
        long size = size(frame);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a reply of " + size + " bytes is too large to encode");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        write(frame, out);
        return out.flip();
    }

    private static ByteBuffer shared(RespFrame frame) {
        return switch (frame) {
            case RespReply.SimpleString s when s.text().equals("OK") -> OK;
            case RespReply.SimpleString s when s.text().equals("PONG") -> PONG;
            case RespReply.Bulk b when b.value() == null -> NULL_BULK;
            case RespReply.Int i when i.value() == 0 -> ZERO;
            case RespReply.Int i when i.value() == 1 -> ONE;
            case RespReply.Array a when a.elements().isEmpty() -> EMPTY_ARRAY;
            default -> null;
        };
    }

    private static long size(RespFrame frame) {
        return switch (frame) {
            case RespReply.SimpleString s -> 3L + s.text().getBytes(StandardCharsets.UTF_8).length;
            case RespReply.Error e -> 3L + e.text().getBytes(StandardCharsets.UTF_8).length;
            case RespReply.Int i -> 3L + digits(i.value());
            case RespReply.Bulk b -> b.value() == null ? 5 : bulkSize(b.value());
            case RespReply.Array a -> arraySize(a.elements());
            case RespRequest.Command c -> {
                long n = 3L + digits(c.argc());
                for (byte[] arg : c.args()) {
                    n += bulkSize(arg);
                }
                yield n;
            }
            case RespRequest.ProtocolError p ->
                    throw new IllegalArgumentException("a protocol error is decoded, never encoded: " + p);
        };
    }

    private static long arraySize(List<? extends RespReply> elements) {
        long n = 3L + digits(elements.size());
        for (RespReply r : elements) {
            n += size(r);
        }
        return n;
    }

    private static long bulkSize(byte[] value) {
        return 5L + digits(value.length) + value.length;
    }

    private static void write(RespFrame frame, ByteBuffer out) {
        switch (frame) {
            case RespReply.SimpleString s -> line(out, '+', s.text());
            case RespReply.Error e -> line(out, '-', e.text());
            case RespReply.Int i -> header(out, ':', i.value());
            case RespReply.Bulk b -> {
                if (b.value() == null) {
                    out.put(NULL_BULK.duplicate());
                } else {
                    bulk(out, b.value());
                }
            }
            case RespReply.Array a -> {
                header(out, '*', a.elements().size());
                for (RespReply r : a.elements()) {
                    write(r, out);
                }
            }
            case RespRequest.Command c -> {
                header(out, '*', c.argc());
                for (byte[] arg : c.args()) {
                    bulk(out, arg);
                }
            }
            case RespRequest.ProtocolError p -> throw new IllegalArgumentException("not encodable: " + p);
        }
    }

    private static void line(ByteBuffer out, char type, String text) {
        out.put((byte) type).put(text.getBytes(StandardCharsets.UTF_8)).put(CRLF);
    }

    private static void bulk(ByteBuffer out, byte[] value) {
        header(out, '$', value.length);
        out.put(value).put(CRLF);
    }

    private static void header(ByteBuffer out, char type, long n) {
        out.put((byte) type);
        if (n < 0) {
            out.put((byte) '-');
            if (n == Long.MIN_VALUE) {
                out.put("9223372036854775808".getBytes(StandardCharsets.US_ASCII)).put(CRLF);
                return;
            }
            n = -n;
        }
        int d = digits(n);
        int end = out.position() + d;
        for (int p = end - 1; p >= out.position(); p--) {
            out.put(p, (byte) ('0' + n % 10));
            n /= 10;
        }
        out.position(end).put(CRLF);
    }

    /** Characters of {@code n} in decimal, the sign included. */
    private static int digits(long n) {
        if (n < 0) {
            return n == Long.MIN_VALUE ? 20 : 1 + digits(-n);
        }
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    private static ByteBuffer constant(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
    }
}
