package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.remote.ControlCodec.SystemFrame;
import dev.kabuki.remote.ControlCodec.SystemKind;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ControlCodecTest {
    private static final long A = 11L;
    private static final long B = 22L;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);

    @Test
    void everyControlFrameRoundTripsAndPassesTheHeaderChecks() throws Exception {
        int n = ControlCodec.encodeHeartbeat(buffer, 0, A, B, 7, 123_456_789L);
        assertThat(FrameHeader.refusal(buffer, 0, n, 4096, B)).isNull();
        assertThat(ControlCodec.decodeHeartbeat(buffer, 0, n)).isEqualTo(new ControlCodec.Heartbeat(7, 123_456_789L));

        for (FrameType t : new FrameType[] {FrameType.ACK, FrameType.NACK, FrameType.NO_RECIPIENT}) {
            n = ControlCodec.encodeNumber(buffer, 0, t, A, B, 42);
            assertThat(FrameHeader.refusal(buffer, 0, n, 4096, B)).isNull();
            assertThat(ControlCodec.decodeNumber(buffer, 0, n, t)).isEqualTo(42);
        }
        for (FrameType t : new FrameType[] {FrameType.QUARANTINED, FrameType.LEAVING}) {
            n = ControlCodec.encodeNotice(buffer, 0, t, A, B);
            assertThat(n).isEqualTo(FrameHeader.LENGTH);
            ControlCodec.checkNotice(buffer, 0, n, t);
        }
        SystemFrame f = new SystemFrame(5, SystemKind.TERMINATED, 99, "/user/counter", -3, "/user/wätcher");
        n = ControlCodec.encodeSystem(buffer, 0, A, B, f);
        assertThat(FrameHeader.refusal(buffer, 0, n, 4096, B)).isNull();
        assertThat(ControlCodec.decodeSystem(buffer, 0, n)).isEqualTo(f);
    }

    @Test
    void wrongTypesAndLengthsAreRefused() {
        int n = ControlCodec.encodeNumber(buffer, 0, FrameType.ACK, A, B, 1);
        assertThatThrownBy(() -> ControlCodec.decodeNumber(buffer, 0, n, FrameType.NACK))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("expected a NACK");
        assertThatThrownBy(() -> ControlCodec.decodeNumber(buffer, 0, n + 1, FrameType.ACK))
                .isInstanceOf(MalformedFrameException.class).hasMessageContaining("expected " + n);
        assertThatThrownBy(() -> ControlCodec.encodeNumber(buffer, 0, FrameType.HEARTBEAT, A, B, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlCodec.encodeSystem(buffer, 0, A, B,
                new SystemFrame(1, SystemKind.WATCH, 0, "", 0, "/user/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor path");
    }

    @Test
    void damagedSystemFramesRaiseOnlyMalformedFrame() {
        SplittableRandom random = new SplittableRandom(3);
        SystemFrame f = new SystemFrame(9, SystemKind.WATCH, 1, "/user/a/b", 2, "/user/c");
        for (int i = 0; i < 50_000; i++) {
            int n = ControlCodec.encodeSystem(buffer, 0, A, B, f);
            int length = random.nextBoolean() ? n : FrameHeader.LENGTH + random.nextInt(n);
            int at = FrameHeader.LENGTH + random.nextInt(n - FrameHeader.LENGTH);
            buffer.putByte(at, (byte) random.nextInt(256));
            try {
                SystemFrame d = ControlCodec.decodeSystem(buffer, 0, length);
                assertThat(d.seq()).isPositive();
                assertThat(d.watchee()).isNotEmpty();
                assertThat(d.watcher()).isNotEmpty();
            } catch (MalformedFrameException expected) {
                assertThat(expected.getMessage()).contains("SYSTEM");
            }
        }
    }
}
