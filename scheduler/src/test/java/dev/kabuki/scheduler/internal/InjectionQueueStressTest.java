package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link InjectionQueue} under contention, with exact counts: many producers pushing (single
 * tasks and {@code pushAll} batches, as overflowing local queues do) against many consumers
 * taking single tasks and batches into their own {@link LocalRunQueue}s, across thousands of
 * chunk boundaries ({@value InjectionQueue#CHUNK_SIZE} slots each). More threads than the
 * machine has cores, so it shows races on 2 cores as well as on 64.
 */
class InjectionQueueStressTest {
    private static final int PRODUCERS = 6;
    private static final int CONSUMERS = 3;
    private static final int PER_PRODUCER = 200_000;

    /** A task that says who pushed it and as which of that producer's tasks. */
    record Stamp(int producer, int seq) implements Task {
        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }
    }

    /**
     * Fails if a task is lost or taken twice (exact per-task counts), if a consumer gets one
     * producer's tasks out of the order they were pushed in (takes are serialized by the take
     * lock and each consumer pops its batch in FIFO order, so every consumer must see each
     * producer's sequence numbers rising), if a consumer reads a slot before its task is
     * visible (a null task or a stale chunk link: a chunk opened by a producer but not yet
     * published), or if the counts disagree with the contents once everything is taken.
     */
    @Test
    void everyTaskTakenOnceInPerProducerOrderAcrossChunks() throws Exception {
        InjectionQueue queue = new InjectionQueue();
        int total = PRODUCERS * PER_PRODUCER;
        AtomicIntegerArray takes = new AtomicIntegerArray(total);
        AtomicLong taken = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            final int producer = p;
            threads.add(new Thread(() -> {
                await(start);
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int seq = 0;
                while (seq < PER_PRODUCER) {
                    int batch = Math.min(PER_PRODUCER - seq, rnd.nextInt(8) == 0 ? 1 + rnd.nextInt(200) : 1);
                    if (batch == 1) {
                        queue.push(new Stamp(producer, seq++));
                    } else {
                        Task[] tasks = new Task[batch];
                        for (int i = 0; i < batch; i++) {
                            tasks[i] = new Stamp(producer, seq++);
                        }
                        queue.pushAll(tasks);
                    }
                }
            }, "producer-" + p));
        }
        for (int c = 0; c < CONSUMERS; c++) {
            threads.add(new Thread(() -> {
                await(start);
                LocalRunQueue local = new LocalRunQueue();
                int[] lastSeq = new int[PRODUCERS];
                java.util.Arrays.fill(lastSeq, -1);
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                try {
                    while (taken.get() < total) {
                        if (System.nanoTime() - deadline > 0) {
                            throw new AssertionError("timed out with " + taken.get() + " of "
                                    + total + " taken, size " + queue.size());
                        }
                        Task t = rnd.nextBoolean() ? queue.poll()
                                : queue.pollInto(local, rnd.nextInt(local.remaining() + 1));
                        for (; t != null; t = local.pop()) {
                            Stamp s = (Stamp) t;
                            if (s.seq() <= lastSeq[s.producer()]) {
                                throw new AssertionError("producer " + s.producer() + "'s task "
                                        + s.seq() + " taken after its task " + lastSeq[s.producer()]);
                            }
                            lastSeq[s.producer()] = s.seq();
                            takes.incrementAndGet(s.producer() * PER_PRODUCER + s.seq());
                            taken.incrementAndGet();
                        }
                        Thread.onSpinWait();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    taken.set(Long.MAX_VALUE); // stop the other consumers
                }
            }, "consumer-" + c));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(90));
            assertThat(t.isAlive()).as(t.getName() + " still running").isFalse();
        }
        assertThat(failure.get()).isNull();
        for (int i = 0; i < total; i++) {
            if (takes.get(i) != 1) {
                throw new AssertionError("task " + i + " taken " + takes.get(i) + " times");
            }
        }
        assertThat(taken.get()).isEqualTo(total);
        assertThat(queue.size()).isZero();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
    }

    /**
     * Fails if the counts drift from the contents while the queue grows across chunks and
     * drains again from one thread: size after every push and every take, FIFO throughout.
     */
    @Test
    void sizeFollowsContentsAcrossChunkBoundaries() {
        InjectionQueue queue = new InjectionQueue();
        int n = 3 * InjectionQueue.CHUNK_SIZE + 7;
        for (int i = 0; i < n; i++) {
            queue.push(new Stamp(0, i));
            assertThat(queue.size()).isEqualTo(i + 1);
        }
        LocalRunQueue local = new LocalRunQueue();
        int next = 0;
        while (next < n) {
            Task first = queue.pollInto(local, local.remaining());
            assertThat(first).isNotNull();
            for (Task t = first; t != null; t = local.pop()) {
                assertThat(((Stamp) t).seq()).isEqualTo(next++);
            }
            assertThat(queue.size()).isEqualTo(n - next);
        }
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
        queue.pushAll(new Task[] {new Stamp(1, 0), new Stamp(1, 1)});
        assertThat(queue.size()).isEqualTo(2);
        assertThat(((Stamp) queue.poll()).seq()).isZero();
        assertThat(((Stamp) queue.poll()).seq()).isOne();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
