package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
    /** A link that refuses about a third of the offers and checks what it is given. */
    static final class CheckingLink implements Transport.Link {
        final long[] lastSeq;
        final SplittableRandom random = new SplittableRandom(1);
        long received;
        boolean refuseAll;

        CheckingLink(int senders) {
            lastSeq = new long[senders];
            java.util.Arrays.fill(lastSeq, -1);
        }

        @Override
        public Transport.Offer offer(boolean control, DirectBuffer b, int offset, int length) {
            if (refuseAll || random.nextInt(3) == 0) {
                return Transport.Offer.BACK_PRESSURED;
            }
            int sender = b.getInt(offset);
            long seq = b.getLong(offset + 4);
            assertThat(length).isEqualTo(12 + (int) (seq % 50));
            assertThat(seq).as("sender %s in order", sender).isEqualTo(lastSeq[sender] + 1);
            lastSeq[sender] = seq;
            received++;
            return Transport.Offer.SENT;
        }

        @Override
        public boolean isConnected() {
            return true;
        }

        @Override
        public int maxFrameLength(boolean control) {
            return 1 << 16;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void manySendersFramesLeaveOnceEachInEachSendersOrderThroughAFullQueueAndBackPressure() throws Exception {
        final int senders = 4;
        final int perSender = 50_000;
        OutboundQueue queue = new OutboundQueue(4096); // small: senders find it full often
        CheckingLink link = new CheckingLink(senders);
        AtomicLong fullSeen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(senders);
        for (int s = 0; s < senders; s++) {
            final int id = s;
            Thread t = new Thread(() -> {
                UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
                for (long seq = 0; seq < perSender; seq++) {
                    frame.putInt(0, id);
                    frame.putLong(4, seq);
                    int length = 12 + (int) (seq % 50);
                    while (!queue.offer(frame, 0, length)) {
                        fullSeen.incrementAndGet();
                        Thread.onSpinWait(); // a test sender retries; tell would go to dead letters
                    }
                }
                done.countDown();
            }, "sender-" + s);
            t.setDaemon(true);
            t.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (link.received < (long) senders * perSender) {
            queue.drainTo(link, false, 100, 7L);
            assertThat(System.nanoTime() - deadline).as("all frames within 60 s").isNegative();
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(link.received).isEqualTo((long) senders * perSender);
        for (int s = 0; s < senders; s++) {
            assertThat(link.lastSeq[s]).isEqualTo(perSender - 1);
        }
        assertThat(fullSeen.get()).as("the bound was reached").isPositive();
        assertThat(queue.drainTo(link, false, 100, 7L)).isZero();
    }

    @Test
    void aRefusedFrameStaysAndDiscardCountsWhatIsDropped() {
        OutboundQueue queue = new OutboundQueue(1024);
        CheckingLink link = new CheckingLink(1);
        UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        for (long seq = 0; seq < 3; seq++) {
            frame.putInt(0, 0);
            frame.putLong(4, seq);
            assertThat(queue.offer(frame, 0, 12 + (int) seq)).isTrue();
        }
        link.refuseAll = true;
        assertThat(queue.drainTo(link, false, 10, 7L)).isZero();
        assertThat(queue.queuedBytes()).isPositive();
        assertThat(queue.discard()).isEqualTo(3);
        assertThat(queue.discardedCount()).isEqualTo(3);
        assertThat(queue.queuedBytes()).isZero();
        assertThatThrownBy(() -> queue.offer(new UnsafeBuffer(new byte[1024]), 0, 1024))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OutboundQueue(1000)).hasMessageContaining("power of two");
    }
}
