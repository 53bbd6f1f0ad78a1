package dev.kabuki.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The codecs through the driver's contract: unconsumed bytes stay at the start of the next
 * buffer, more bytes are appended after them.
 */
class CodecTest {

    /** Feeds {@code bytes} in the given pieces the way the driver does; returns the frames. */
    static <F> List<F> feed(Codec<F> codec, byte[] bytes, int... cuts) throws DecodingException {
        Codec.Decoder<F> decoder = codec.newDecoder();
        List<F> frames = new ArrayList<>();
        ByteBuffer kept = ByteBuffer.allocate(0);
        int from = 0;
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = bytes.length;
        for (int end : ends) {
            ByteBuffer buf = ByteBuffer.allocate(kept.remaining() + (end - from));
            buf.put(kept).put(bytes, from, end - from).flip();
            from = end;
            F f;
            while ((f = decoder.decode(buf)) != null) {
                frames.add(f);
            }
            kept = buf.slice();
        }
        assertThat(kept.remaining()).as("bytes left over").isZero();
        return frames;
    }

    @Test
    void linesSplitAtEveryByteBoundaryDecodeTheSame() throws DecodingException {
        byte[] input = "alpha\r\nbe\u00e9ta\n\ngamma\r\n".getBytes(StandardCharsets.UTF_8);
        List<String> expected = List.of("alpha", "be\u00e9ta", "", "gamma");
        for (int cut = 0; cut <= input.length; cut++) {
            assertThat(feed(Framing.lines(64), input, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
        for (int a = 0; a <= input.length; a++) { // every pair of cuts too
            for (int b = a; b <= input.length; b++) {
                assertThat(feed(Framing.lines(64), input, a, b)).isEqualTo(expected);
            }
        }
    }

    @Test
    void lengthPrefixedSplitAtEveryByteBoundaryDecodeTheSame() throws DecodingException {
        Codec<byte[]> codec = Framing.lengthPrefixed(100);
        ByteBuffer all = ByteBuffer.allocate(64);
        for (byte[] f : List.of(new byte[] {1, 2, 3}, new byte[0], new byte[] {9})) {
            all.put(codec.encode(f));
        }
        byte[] input = Arrays.copyOf(all.array(), all.position());
        for (int a = 0; a <= input.length; a++) {
            for (int b = a; b <= input.length; b++) {
                List<byte[]> frames = feed(codec, input, a, b);
                assertThat(frames).hasSize(3);
                assertThat(frames.get(0)).containsExactly(1, 2, 3);
                assertThat(frames.get(1)).isEmpty();
                assertThat(frames.get(2)).containsExactly(9);
            }
        }
    }

    @Test
    void aLineLongerThanTheLimitFailsAsSoonAsTheLimitIsPassedWithoutALineEnd() {
        Codec.Decoder<String> d = Framing.lines(8).newDecoder();
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(DecodingException.class).hasMessageContaining("longer than 8 bytes");
        assertThatThrownBy(() -> feed(Framing.lines(8), "012345678\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(DecodingException.class);
    }

    @Test
    void aLineOfExactlyTheLimitIsAcceptedWithEitherLineEnd() throws DecodingException {
        assertThat(feed(Framing.lines(4), "abcd\r\nefgh\n".getBytes(StandardCharsets.US_ASCII), 4, 5))
                .containsExactly("abcd", "efgh");
    }

    @Test
    void anInvalidLengthPrefixFailsBeforeAnyFrameIsAllocated() {
        Codec.Decoder<byte[]> d = Framing.lengthPrefixed(1024).newDecoder();
        ByteBuffer huge = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip();
        assertThatThrownBy(() -> d.decode(huge)).isInstanceOf(DecodingException.class)
                .hasMessageContaining("invalid length prefix 2147483647");
        ByteBuffer negative = ByteBuffer.allocate(4).putInt(-1).flip();
        assertThatThrownBy(() -> d.decode(negative)).isInstanceOf(DecodingException.class)
                .hasMessageContaining("invalid length prefix -1");
    }

    @Test
    void rawDeliversEachReadAsOneChunkAndEncodingLeavesTheCallersBufferAlone() throws DecodingException {
        Codec<ByteBuffer> raw = Framing.raw();
        ByteBuffer in = ByteBuffer.wrap(new byte[] {1, 2, 3});
        ByteBuffer chunk = raw.newDecoder().decode(in);
        assertThat(chunk.remaining()).isEqualTo(3);
        assertThat(in.hasRemaining()).isFalse();
        assertThat(raw.newDecoder().decode(in)).isNull();
        ByteBuffer out = raw.encode(chunk);
        out.get();
        assertThat(chunk.position()).isZero();
    }

    @Test
    void encodersFrameWhatDecodersRead() throws DecodingException {
        ByteBuffer line = Framing.lines(10).encode("h\u00e9");
        assertThat(feed(Framing.lines(10), Arrays.copyOf(line.array(), line.remaining()))).containsExactly("h\u00e9");
        assertThatThrownBy(() -> Framing.lengthPrefixed(2).encode(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above the codec's limit of 2");
    }
}
