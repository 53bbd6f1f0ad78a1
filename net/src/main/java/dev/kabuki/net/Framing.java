package dev.kabuki.net;

import java.nio.ByteBuffer;

/**
 * The ready-made {@link Codec}s: raw chunks, lines, and 4-byte length-prefixed frames. Each
 * decoder copies a frame's bytes once, out of the driver's reused read buffer, and bounds what it
 * waits for, so a peer cannot make the server buffer more than the limit given here.
 */
public final class Framing {
    private Framing() {
    }

    /**
     * No framing: each read's bytes are delivered as one chunk, a heap {@link ByteBuffer} of
     * exactly those bytes (at most {@link TcpOptions#readBufferSize()}). Chunk boundaries say
     * nothing about the peer's writes. Writing a {@code ByteBuffer} writes its remaining bytes
     * (the buffer itself is not changed, so a received chunk can be written back as it is).
     */
    public static Codec<ByteBuffer> raw() {
        return RawCodec.INSTANCE;
    }

    /**
     * Lines of UTF-8 text ending in {@code \n} (a {@code \r} before it is removed too), delivered
     * without the line end. Writing a {@code String} writes it in UTF-8 followed by {@code \n}.
     *
     * @param maxLength most bytes in a line, without its end; a longer line closes the connection
     *                  ({@link CloseReason.Kind#DECODING_FAILED}) as soon as that many bytes have
     *                  arrived without a line end
     * @throws IllegalArgumentException {@code maxLength} is less than 1
     */
    public static Codec<String> lines(int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
        }
        return new LineCodec(maxLength);
    }

    /**
     * Frames preceded by their length as a 4-byte big-endian signed integer; the frame is
     * delivered as a {@code byte[]} of exactly that many bytes. Writing a {@code byte[]} writes its
     * length then its bytes.
     *
     * @param maxFrameSize most bytes in a frame; a negative length or one above it closes the
     *                     connection ({@link CloseReason.Kind#DECODING_FAILED}) as soon as the
     *                     prefix arrives, before any frame buffer is allocated
     * @throws IllegalArgumentException {@code maxFrameSize} is less than 1
     */
    public static Codec<byte[]> lengthPrefixed(int maxFrameSize) {
        if (maxFrameSize < 1) {
            throw new IllegalArgumentException("maxFrameSize must be at least 1, got " + maxFrameSize);
        }
        return new LengthPrefixedCodec(maxFrameSize);
    }
}
