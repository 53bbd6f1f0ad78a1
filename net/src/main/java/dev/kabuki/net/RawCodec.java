package dev.kabuki.net;

import java.nio.ByteBuffer;

/** {@link Framing#raw()}: every read is one chunk. Stateless, so one decoder serves all. */
enum RawCodec implements Codec<ByteBuffer>, Codec.Decoder<ByteBuffer> {
    INSTANCE;

    @Override
    public Decoder<ByteBuffer> newDecoder() {
        return this;
    }

    @Override
    public ByteBuffer decode(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return null;
        }
        ByteBuffer chunk = ByteBuffer.allocate(in.remaining());
        chunk.put(in).flip();
        return chunk;
    }

    @Override
    public ByteBuffer encode(ByteBuffer frame) {
        return frame.slice(); // the caller's position and limit stay as they are
    }
}
