package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static final long LOCAL = 0x1234_5678_9ABCL;
    private static final long PEER = 0x7777_0000_1111L;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    private final NodeAddress a = new NodeAddress("orders", "127.0.0.1", 25520);
    private final NodeAddress b = new NodeAddress("orders", "::1", 25521);

    private int request(HandshakeCodec codec) {
        return codec.encode(buffer, 8, new HandshakeCodec.Handshake(false, a, PEER, b, 42L, 0L, 99L), 0L);
    }

    @Test
    void aHandshakeRoundTripsAndPassesTheHeaderChecks() throws Exception {
        HandshakeCodec codec = new HandshakeCodec("secret");
        int length = request(codec);
        assertThat(FrameHeader.refusal(buffer, 8, length, 1024, LOCAL)).isNull();
        HandshakeCodec.Handshake h = new HandshakeCodec("secret").decode(buffer, 8, length);
        assertThat(h).isEqualTo(new HandshakeCodec.Handshake(false, a, PEER, b, 42L, 0L, 99L));

        int rsp = codec.encode(buffer, 8, new HandshakeCodec.Handshake(true, b, LOCAL, a, 7L, 42L, 99L), PEER);
        assertThat(FrameHeader.refusal(buffer, 8, rsp, 1024, PEER)).isNull();
        assertThat(codec.decode(buffer, 8, rsp).answeredNonce()).isEqualTo(42L);
    }

    @Test
    void aDifferentCookieOrNoneIsRefused() {
        int length = request(new HandshakeCodec("secret"));
        assertThatThrownBy(() -> new HandshakeCodec("other").decode(buffer, 8, length))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("cookie");
        assertThatThrownBy(() -> new HandshakeCodec(null).decode(buffer, 8, length))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("cookie");
    }

    @Test
    void theHeaderChecksNameWhatIsWrong() {
        int length = request(new HandshakeCodec(null));
        assertThat(FrameHeader.refusal(buffer, 8, 10, 1024, LOCAL)).contains("shorter than");
        assertThat(FrameHeader.refusal(buffer, 8, length - 1, 1024, LOCAL)).contains("declares");
        assertThat(FrameHeader.refusal(buffer, 8, length, length - 1, LOCAL)).contains("exceeds the limit");
        buffer.putByte(8 + FrameHeader.VERSION_OFFSET, (byte) 9);
        assertThat(FrameHeader.refusal(buffer, 8, length, 1024, LOCAL)).contains("version 9");
        buffer.putByte(8 + FrameHeader.VERSION_OFFSET, FrameHeader.VERSION);
        buffer.putByte(8 + FrameHeader.TYPE_OFFSET, (byte) 0);
        assertThat(FrameHeader.refusal(buffer, 8, length, 1024, LOCAL)).contains("unknown frame type 0");
        buffer.putByte(8 + FrameHeader.TYPE_OFFSET, FrameType.HEARTBEAT.code);
        assertThat(FrameHeader.refusal(buffer, 8, length, 1024, LOCAL)).contains("incarnation 0");
        buffer.putShort(8 + FrameHeader.FLAGS_OFFSET, (short) 0x80, FrameHeader.ORDER);
        assertThat(FrameHeader.refusal(buffer, 8, length, 1024, LOCAL)).contains("unknown flags 0x80");
    }

    @Test
    void damagedHandshakesNeverThrowAnythingButMalformedFrame() {
        HandshakeCodec codec = new HandshakeCodec("secret");
        SplittableRandom random = new SplittableRandom(7);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            int length = request(codec);
            int damaged = length;
            switch (i % 3) {
                case 0 -> buffer.putByte(8 + random.nextInt(length), (byte) random.nextInt(256));
                case 1 -> damaged = random.nextInt(length);
                default -> {
                    buffer.putByte(8 + random.nextInt(length), (byte) random.nextInt(256));
                    damaged = FrameHeader.LENGTH + random.nextInt(length);
                }
            }
            if (FrameHeader.refusal(buffer, 8, damaged, 1024, LOCAL) != null) {
                refused++;
                continue;
            }
            try {
                codec.decode(buffer, 8, damaged);
                // only a byte written with its own value leaves the frame intact
                assertThat(damaged).isEqualTo(length);
            } catch (MalformedFrameException expected) {
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(19_000);
    }
}
