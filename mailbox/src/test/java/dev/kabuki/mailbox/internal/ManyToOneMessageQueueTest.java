package dev.kabuki.mailbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.mailbox.OverflowPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

class ManyToOneMessageQueueTest {
    static final int PRODUCERS = 8;
    static final int PER_PRODUCER = 250_000;

    /** A message that names its sender and its place in that sender's sequence. */
    record Msg(int producer, int seq) {
    }

    // Fails if poll is not FIFO, if size/isEmpty drift from the real contents (a seq chain off
    // by one), or if a taken message is not removed.
    @Test
    void singleThreadFifoWithExactSizeAndIsEmpty() {
        ManyToOneMessageQueue<String> q = new ManyToOneMessageQueue<>();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.size()).isZero();
        assertThat(q.poll()).isNull();
        for (int i = 0; i < 5; i++) {
            q.offer("m" + i);
            assertThat(q.size()).isEqualTo(i + 1);
        }
        assertThat(q.isEmpty()).isFalse();
        assertThat(q.poll()).isEqualTo("m0");
        assertThat(q.poll()).isEqualTo("m1");
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.tryOffer("m5")).isTrue();
        assertThat(q.size()).isEqualTo(4);
        List<String> rest = new ArrayList<>();
        for (String m; (m = q.poll()) != null; ) {
            rest.add(m);
        }
        assertThat(rest).containsExactly("m2", "m3", "m4", "m5");
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.size()).isZero();
        assertThat(q.poll()).isNull();
    }

    // Fails if null were accepted: poll uses null to mean "nothing linked yet".
    @Test
    void rejectsNullMessages() {
        ManyToOneMessageQueue<String> q = new ManyToOneMessageQueue<>();
        assertThatThrownBy(() -> q.offer(null)).isInstanceOf(NullPointerException.class);
        assertThat(q.isEmpty()).isTrue();
    }

    // Fails if a concurrent append is lost or duplicated (a broken tail CAS or link), if one
    // producer's messages are reordered, or if size() does not return to 0 once drained (a seq
    // computed from a stale tail). 8 producers on any number of cores.
    @Test
    void manyProducersOneConsumerExactCountAndPerProducerOrder() throws Exception {
        ManyToOneMessageQueue<Msg> q = new ManyToOneMessageQueue<>();
        CyclicBarrier start = new CyclicBarrier(PRODUCERS + 1);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int id = p;
            Thread t = new Thread(() -> {
                await(start);
                for (int i = 0; i < PER_PRODUCER; i++) {
                    q.offer(new Msg(id, i));
                }
            }, "producer-" + p);
            t.start();
            producers.add(t);
        }
        int[] next = new int[PRODUCERS];
        long total = (long) PRODUCERS * PER_PRODUCER;
        long received = 0;
        long emptyPollsWhileNotEmpty = 0;
        await(start);
        while (received < total) {
            Msg m = q.poll();
            if (m == null) {
                if (!q.isEmpty()) {
                    emptyPollsWhileNotEmpty++;   // a producer is mid-push: legal, retry
                }
                Thread.onSpinWait();
                continue;
            }
            assertThat(m.seq()).as("producer %d order", m.producer()).isEqualTo(next[m.producer()]);
            next[m.producer()]++;
            received++;
        }
        for (Thread t : producers) {
            t.join();
        }
        assertThat(next).containsOnly(PER_PRODUCER);
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.size()).isZero();
        System.out.printf("MPSC: %d messages, %d polls saw a mid-push%n", total,
                emptyPollsWhileNotEmpty);
    }

    // Fails if size() is wrong while the queue is deep and producers race: after the producers
    // finish, size must equal exactly what was offered minus what was polled.
    @Test
    void sizeIsExactOnceProducersAreDone() throws Exception {
        ManyToOneMessageQueue<Integer> q = new ManyToOneMessageQueue<>();
        CyclicBarrier start = new CyclicBarrier(4);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            Thread t = new Thread(() -> {
                await(start);
                for (int i = 0; i < 50_000; i++) {
                    q.offer(i);
                }
            });
            t.start();
            producers.add(t);
        }
        for (Thread t : producers) {
            t.join();
        }
        assertThat(q.size()).isEqualTo(200_000);
        for (int i = 0; i < 1234; i++) {
            assertThat(q.poll()).isNotNull();
        }
        assertThat(q.size()).isEqualTo(200_000 - 1234);
    }

    // Fails if the idle-actor footprint goal is broken: an empty queue must stay one small
    // object plus one stub node (no arrays, no padding). Measured with JOL.
    @Test
    void emptyQueueIsSmall() {
        ManyToOneMessageQueue<String> q = new ManyToOneMessageQueue<>();
        long bytes = GraphLayout.parseInstance(q).totalSize();
        System.out.println("empty ManyToOneMessageQueue: " + bytes + " bytes\n"
                + GraphLayout.parseInstance(q).toFootprint());
        long status = GraphLayout.parseInstance(new MailboxStatus()).totalSize();
        long system = GraphLayout.parseInstance(new SystemMessageQueue<String>()).totalSize();
        long bounded = GraphLayout.parseInstance(
                new BoundedMessageQueue<String>(10, OverflowPolicy.FAIL)).totalSize();
        System.out.printf("MailboxStatus: %d bytes, empty SystemMessageQueue: %d bytes, "
                + "empty BoundedMessageQueue: %d bytes%n", status, system, bounded);
        assertThat(bytes).isLessThanOrEqualTo(48);
        assertThat(status).isLessThanOrEqualTo(16);
        assertThat(system).isLessThanOrEqualTo(24);
        // after shallow traffic the queue is back to one object plus one stub node
        for (int i = 0; i < 100; i++) {
            q.offer("x");
            assertThat(q.poll()).isEqualTo("x");
        }
        assertThat(GraphLayout.parseInstance(q).totalSize()).isEqualTo(bytes);
    }

    // Fails if a deep queue still costs a node per message (the collector copies every live
    // node, W2's slow mode), or if a drained queue keeps a chunk's slot array: once the consumer
    // catches up, only a chunk header (the new stub, 16 bytes more than a plain one) remains.
    @Test
    void aDeepQueueHoldsMessagesInSlotsAndDropsThemOnceDrained() {
        ManyToOneMessageQueue<String> q = new ManyToOneMessageQueue<>();
        long empty = GraphLayout.parseInstance(q).totalSize();
        String message = "x";
        long messageBytes = GraphLayout.parseInstance(message).totalSize();
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            q.offer(message);
        }
        long deep = GraphLayout.parseInstance(q).totalSize() - empty - messageBytes;
        System.out.printf("%d queued messages: %d bytes of queue, %.2f per message%n",
                n, deep, (double) deep / n);
        assertThat((double) deep / n).as("bytes per queued message").isLessThan(6.0);
        assertThat(q.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(q.poll()).isSameAs(message);
        }
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.size()).isZero();
        assertThat(GraphLayout.parseInstance(q).totalSize()).isLessThanOrEqualTo(empty + 16);
        // and it goes back to plain nodes: the next message is a plain node behind the chunk
        q.offer("y");
        assertThat(q.poll()).isEqualTo("y");
        assertThat(GraphLayout.parseInstance(q).totalSize()).isEqualTo(empty);
    }

    // Fails if size/isEmpty or FIFO break across the node/chunk switches, chunk boundaries and
    // seals: one thread against a plain list, on tiny chunks, offers and polls in a pattern that
    // makes the queue run deep, drain, and run deep again.
    @Test
    void chunksKeepFifoAndExactSizeAgainstAModel() {
        for (int deepAt : new int[] {0, 1, 3}) {
            for (int slots : new int[] {1, 2, 5}) {
                ManyToOneMessageQueue<Integer> q = ManyToOneMessageQueue.shaped(deepAt, slots);
                java.util.ArrayDeque<Integer> model = new java.util.ArrayDeque<>();
                java.util.SplittableRandom random = new java.util.SplittableRandom(deepAt * 31L + slots);
                int next = 0;
                for (int step = 0; step < 20_000; step++) {
                    // bursts: offers outweigh polls for a while, then polls do
                    boolean offering = ((step / 500) % 2 == 0) ? random.nextInt(3) != 0
                            : random.nextInt(3) == 0;
                    if (offering) {
                        q.offer(next);
                        model.add(next++);
                    } else {
                        assertThat(q.poll()).as("deepAt %d, slots %d, step %d", deepAt, slots, step)
                                .isEqualTo(model.poll());
                    }
                    assertThat(q.size()).isEqualTo(model.size());
                    assertThat(q.isEmpty()).isEqualTo(model.isEmpty());
                }
            }
        }
    }

    // Fails as the many-producer test above, on queues that switch to chunks at once or soon and
    // use tiny chunks, so that claims, chunk boundaries, seals and tail CASes race all the time.
    @Test
    void manyProducersOverTinyChunksExactCountAndPerProducerOrder() throws Exception {
        for (int[] shape : new int[][] {{0, 1}, {0, 3}, {2, 2}, {8, 16}}) {
            ManyToOneMessageQueue<Msg> q = ManyToOneMessageQueue.shaped(shape[0], shape[1]);
            int perProducer = 100_000;
            CyclicBarrier start = new CyclicBarrier(PRODUCERS + 1);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int id = p;
                Thread t = new Thread(() -> {
                    await(start);
                    for (int i = 0; i < perProducer; i++) {
                        q.offer(new Msg(id, i));
                    }
                }, "producer-" + p);
                t.start();
                producers.add(t);
            }
            int[] next = new int[PRODUCERS];
            long total = (long) PRODUCERS * perProducer;
            long received = 0;
            await(start);
            while (received < total) {
                Msg m = q.poll();
                if (m == null) {
                    Thread.onSpinWait();
                    continue;
                }
                assertThat(m.seq()).as("shape %s, producer %d order", java.util.Arrays.toString(shape),
                        m.producer()).isEqualTo(next[m.producer()]);
                next[m.producer()]++;
                received++;
            }
            for (Thread t : producers) {
                t.join();
            }
            assertThat(next).containsOnly(perProducer);
            assertThat(q.poll()).isNull();
            assertThat(q.isEmpty()).isTrue();
            assertThat(q.size()).isZero();
        }
    }

    static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
