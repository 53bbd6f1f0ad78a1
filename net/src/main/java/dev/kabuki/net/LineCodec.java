package dev.kabuki.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** {@link Framing#lines(int)}. */
final class LineCodec implements Codec<String> {
    private final int maxLength;

    LineCodec(int maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    public Decoder<String> newDecoder() {
        return new LineDecoder(maxLength);
    }

    @Override
    public ByteBuffer encode(String line) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(text.length + 1);
        out.put(text).put((byte) '\n').flip();
        return out;
    }

    /**
     * Remembers how many bytes it has scanned without finding a line end, so a long line
     * arriving in many reads is scanned once, not once per read.
     */
    private static final class LineDecoder implements Decoder<String> {
        private final int maxLength;
        private int scanned;

        LineDecoder(int maxLength) {
            this.maxLength = maxLength;
        }

        @Override
        public String decode(ByteBuffer in) throws DecodingException {
            int start = in.position();
            int limit = in.limit();
            for (int i = start + scanned; i < limit; i++) {
                if (in.get(i) == '\n') {
                    int end = i > start && in.get(i - 1) == '\r' ? i - 1 : i;
                    int length = end - start;
                    if (length > maxLength) {
                        throw tooLong();
                    }
                    byte[] bytes = new byte[length];
                    in.get(start, bytes);
                    in.position(i + 1);
                    scanned = 0;
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            }
            scanned = limit - start;
            if (scanned > maxLength + 1) { // + 1: a '\r' may still be followed by its '\n'
                throw tooLong();
            }
            return null;
        }

        private DecodingException tooLong() {
            return new DecodingException("line longer than " + maxLength + " bytes");
        }
    }
}
