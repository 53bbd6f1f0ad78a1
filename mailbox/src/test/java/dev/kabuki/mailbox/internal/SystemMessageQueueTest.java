package dev.kabuki.mailbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class SystemMessageQueueTest {

    // Fails if the taken stack is not reversed (signals would come out LIFO), or if a signal
    // pushed while a batch is pending overtakes that batch.
    @Test
    void signalsComeOutInPushOrder() {
        SystemMessageQueue<String> q = new SystemMessageQueue<>();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.poll()).isNull();
        q.push("watch");
        q.push("child-failed");
        q.push("stop");
        assertThat(q.isEmpty()).isFalse();
        assertThat(q.poll()).isEqualTo("watch");
        q.push("late");                              // arrives while the batch is pending
        assertThat(q.poll()).isEqualTo("child-failed");
        assertThat(q.poll()).isEqualTo("stop");
        assertThat(q.isEmpty()).isFalse();
        assertThat(q.poll()).isEqualTo("late");
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    // Fails if a push racing another push or the consumer's take-all is lost or delivered
    // twice (a broken CAS retry, or a take that is not one atomic swap), or if one producer's
    // signals are reordered.
    @Test
    void concurrentPushesAreAllDeliveredOnceInProducerOrder() throws Exception {
        int producers = 4;
        int perProducer = 100_000;
        SystemMessageQueue<ManyToOneMessageQueueTest.Msg> q = new SystemMessageQueue<>();
        CyclicBarrier start = new CyclicBarrier(producers + 1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(() -> {
                ManyToOneMessageQueueTest.await(start);
                for (int i = 0; i < perProducer; i++) {
                    q.push(new ManyToOneMessageQueueTest.Msg(id, i));
                }
            });
            t.start();
            threads.add(t);
        }
        ManyToOneMessageQueueTest.await(start);
        int[] next = new int[producers];
        int received = 0;
        while (received < producers * perProducer) {
            ManyToOneMessageQueueTest.Msg m = q.poll();
            if (m == null) {
                Thread.onSpinWait();
                continue;
            }
            assertThat(m.seq()).isEqualTo(next[m.producer()]);
            next[m.producer()]++;
            received++;
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(next).containsOnly(perProducer);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }
}
