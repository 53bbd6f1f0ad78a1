package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class UserFrameTest {
    @Test
    void theEnvelopeRoundTripsAndTheAskFlagFollowsTheAskId() throws Exception {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(64);
        int p = UserFrame.writeEnvelope(b, 77L, 12345, 9L, "/user/счётчик");
        b.putLong(p, 42L, FrameHeader.ORDER);
        int len = FrameHeader.finish(b, 0, p + 8);
        assertThat(FrameHeader.refusal(b, 0, len, 1 << 16, 5L)).as("destination stamped later").isNotNull();
        b.putLong(FrameHeader.DESTINATION_UID_OFFSET, 5L, FrameHeader.ORDER);
        assertThat(FrameHeader.refusal(b, 0, len, 1 << 16, 5L)).isNull();
        assertThat(FrameHeader.flags(b, 0) & FrameHeader.FLAG_ASK).isEqualTo(FrameHeader.FLAG_ASK);
        UserFrame.Envelope e = UserFrame.read(b, 0, len);
        assertThat(e.recipientUid()).isEqualTo(12345);
        assertThat(e.askId()).isEqualTo(9L);
        assertThat(e.path()).isEqualTo("/user/счётчик");
        assertThat(e.payloadLength()).isEqualTo(8);
        assertThat(b.getLong(e.payloadOffset(), FrameHeader.ORDER)).isEqualTo(42L);

        int tell = UserFrame.writeEnvelope(b, 77L, 0, 0L, "/user/x");
        int tellLen = FrameHeader.finish(b, 0, tell);
        assertThat(FrameHeader.flags(b, 0) & FrameHeader.FLAG_ASK).isZero();
        assertThat(UserFrame.read(b, 0, tellLen).payloadLength()).isZero();
        assertThatThrownBy(() -> UserFrame.writeEnvelope(b, 77L, 0, 0L, ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor path");
    }

    @Test
    void truncatedOrDamagedEnvelopesOnlyEverThrowMalformedFrameException() {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
        int p = UserFrame.writeEnvelope(b, 77L, 1, 3L, "/user/a/b/c");
        int len = FrameHeader.finish(b, 0, p + 16);
        byte[] good = new byte[len];
        b.getBytes(0, good, 0, len);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = good.clone();
            int n = random.nextInt(1, len + 1);
            if (random.nextBoolean()) {
                int at = random.nextInt(FrameHeader.LENGTH, len);
                bytes[at] ^= (byte) (1 << random.nextInt(8));
            }
            UnsafeBuffer frame = new UnsafeBuffer(bytes);
            try {
                UserFrame.Envelope e = UserFrame.read(frame, 0, Math.max(n, FrameHeader.LENGTH));
                assertThat(e.payloadOffset() + e.payloadLength()).isLessThanOrEqualTo(bytes.length);
            } catch (MalformedFrameException expected) {
                // the documented outcome of bad bytes
            }
        }
    }
}
