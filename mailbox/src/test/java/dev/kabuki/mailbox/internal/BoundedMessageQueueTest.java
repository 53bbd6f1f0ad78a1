package dev.kabuki.mailbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BoundedMessageQueueTest {

    // Fails if a full queue accepts, if a poll does not free a place, or if order is lost.
    @Test
    void rejectsWhenFullAndAcceptsAgainAfterPoll() {
        BoundedMessageQueue<String> q = new BoundedMessageQueue<>(2, OverflowPolicy.DROP);
        assertThat(q.capacity()).isEqualTo(2);
        assertThat(q.overflowPolicy()).isEqualTo(OverflowPolicy.DROP);
        assertThat(q.tryOffer("a")).isTrue();
        assertThat(q.tryOffer("b")).isTrue();
        assertThat(q.tryOffer("c")).isFalse();
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.poll()).isEqualTo("a");
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.tryOffer("d")).isTrue();
        assertThat(q.poll()).isEqualTo("b");
        assertThat(q.poll()).isEqualTo("d");
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.size()).isZero();
    }

    // Fails if a bad capacity or a missing policy were accepted silently.
    @Test
    void invalidArgumentsFailFast() {
        assertThatThrownBy(() -> new BoundedMessageQueue<String>(0, OverflowPolicy.FAIL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> new BoundedMessageQueue<String>(1, null))
                .isInstanceOf(NullPointerException.class);
        BoundedMessageQueue<String> q = new BoundedMessageQueue<>(1, OverflowPolicy.FAIL);
        assertThatThrownBy(() -> q.tryOffer(null)).isInstanceOf(NullPointerException.class);
        assertThat(q.size()).isZero();   // a rejected null must not leak a reserved place
    }

    // Fails if the capacity check and the increment are not one atomic step (check-then-act):
    // with 4 racing producers and no consumer, more than capacity would be accepted, or a
    // reject would be miscounted.
    @RepeatedTest(5)
    void capacityIsExactUnderFourConcurrentProducers() throws Exception {
        int capacity = 10_000;
        int perProducer = 5_000;
        int producers = 4;
        BoundedMessageQueue<Integer> q = new BoundedMessageQueue<>(capacity, OverflowPolicy.FAIL);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(producers);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            Thread t = new Thread(() -> {
                ManyToOneMessageQueueTest.await(start);
                int ok = 0;
                int no = 0;
                for (int i = 0; i < perProducer; i++) {
                    if (q.tryOffer(i)) {
                        ok++;
                    } else {
                        no++;
                    }
                }
                accepted.addAndGet(ok);
                rejected.addAndGet(no);
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(accepted.get()).isEqualTo(capacity);
        assertThat(rejected.get()).isEqualTo(producers * perProducer - capacity);
        assertThat(q.size()).isEqualTo(capacity);
        int polled = 0;
        while (q.poll() != null) {
            polled++;
        }
        assertThat(polled).isEqualTo(capacity);
        assertThat(q.size()).isZero();
    }
}
