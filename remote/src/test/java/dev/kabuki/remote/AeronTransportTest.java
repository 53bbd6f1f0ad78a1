package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AeronTransportTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path base;

    record Received(boolean control, String text) {}

    @Test
    void twoTransportsExchangeFramesOnBothStreamsAndLeaveNoDirectoryBehind() {
        AeronTransport a = new AeronTransport("a", "127.0.0.1", 0, base.toString(), AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH);
        AeronTransport b = new AeronTransport("b", "127.0.0.1", 0, base.toString(), AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH);
        try {
            assertThat(a.localAddress().getPort()).isPositive();
            assertThat(new File(a.directory())).isDirectory();
            Transport.Link ab = a.link("127.0.0.1", b.localAddress().getPort());
            Transport.Link ba = b.link("127.0.0.1", a.localAddress().getPort());
            awaitTrue(() -> ab.isConnected() && ba.isConnected(), a, b);

            send(ab, true, "heartbeat");
            send(ab, false, "x".repeat(100_000)); // several MTUs: reassembled whole
            send(ba, false, "reply");
            List<Received> atB = new ArrayList<>();
            List<Received> atA = new ArrayList<>();
            awaitTrue(() -> {
                b.poll((control, buf, off, len, session) -> atB.add(new Received(control, buf.getStringWithoutLengthUtf8(off, len))), 10);
                a.poll((control, buf, off, len, session) -> atA.add(new Received(control, buf.getStringWithoutLengthUtf8(off, len))), 10);
                return atB.size() == 2 && atA.size() == 1;
            }, null, null);
            assertThat(atB).containsExactlyInAnyOrder(new Received(true, "heartbeat"), new Received(false, "x".repeat(100_000)));
            assertThat(atA).containsExactly(new Received(false, "reply"));

            assertThat(ab.maxFrameLength(true)).isEqualTo(AeronTransport.CONTROL_TERM_LENGTH / 8);
            assertThat(ab.maxFrameLength(false)).isEqualTo(AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH / 8);
            UnsafeBuffer big = new UnsafeBuffer(new byte[AeronTransport.CONTROL_TERM_LENGTH]);
            assertThatThrownBy(() -> ab.offer(true, big, 0, big.capacity()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control stream's limit");
        } finally {
            a.close();
            b.close();
        }
        assertThat(new File(a.directory())).doesNotExist();
        assertThat(new File(b.directory())).doesNotExist();
        assertThat(base.toFile().list()).isEmpty();
    }

    private static void send(Transport.Link link, boolean control, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        Transport.Offer r;
        while ((r = link.offer(control, buffer, 0, bytes.length)) != Transport.Offer.SENT) {
            assertThat(r).isNotEqualTo(Transport.Offer.CLOSED);
            assertThat(System.nanoTime() - deadline).as("sent within 30 s").isNegative();
            Thread.onSpinWait();
        }
    }

    private static void awaitTrue(BooleanSupplier condition, AeronTransport x, AeronTransport y) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            if (x != null) {
                x.poll((c, b, o, l, s) -> { }, 10);
                y.poll((c, b, o, l, s) -> { }, 10);
            }
            assertThat(System.nanoTime() - deadline).as("condition within 30 s").isNegative();
            Thread.onSpinWait();
        }
    }
}
