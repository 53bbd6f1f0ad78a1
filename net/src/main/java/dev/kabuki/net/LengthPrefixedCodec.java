package dev.kabuki.net;

import java.nio.ByteBuffer;

/** {@link Framing#lengthPrefixed(int)}: stateless decoding (the prefix is re-read until the frame is whole). */
final class LengthPrefixedCodec implements Codec<byte[]>, Codec.Decoder<byte[]> {
    private final int maxFrameSize;

    LengthPrefixedCodec(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public Decoder<byte[]> newDecoder() {
        return this;
    }

    @Override
    public byte[] decode(ByteBuffer in) throws DecodingException {
        if (in.remaining() < 4) {
            return null;
        }
        int length = in.getInt(in.position()); // big-endian: a ByteBuffer's default order
        if (length < 0 || length > maxFrameSize) {
            throw new DecodingException("invalid length prefix " + length + " (frames are 0 to "
                    + maxFrameSize + " bytes)");
        }
        if (in.remaining() - 4 < length) {
            return null;
        }
        byte[] frame = new byte[length];
        in.get(in.position() + 4, frame);
        in.position(in.position() + 4 + length);
        return frame;
    }

    @Override
    public ByteBuffer encode(byte[] frame) {
        if (frame.length > maxFrameSize) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes is above the codec's limit of "
                    + maxFrameSize);
        }
        ByteBuffer out = ByteBuffer.allocate(4 + frame.length);
        out.putInt(frame.length).put(frame).flip();
        return out;
    }
}
