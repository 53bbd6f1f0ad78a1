package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Contention tests with exact counts. Each runs more threads than the machine has cores, so
 * they show races on 2 cores as well as on 64.
 */
class SchedulerStressTest {

    /**
     * Fails if a wake-up is lost: tasks are spawned in bursts from many outside threads and
     * from inside tasks, with pauses in between that let every worker park; a task that sits
     * in a queue while all workers sleep would never run and the latch would time out. Also
     * fails if any task runs twice or never (exact per-task counts).
     */
    @Test
    void everyTaskRunsExactlyOnceWhileWorkersParkAndUnpark() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(4)
                .context(RuntimeContext.named("stress")).build();
        try {
            int producers = 8;
            int rounds = 50;
            int perRound = 500; // each outside task also spawns one child from its worker
            int total = producers * rounds * perRound * 2;
            AtomicIntegerArray runs = new AtomicIntegerArray(total);
            CountDownLatch done = new CountDownLatch(total);
            CyclicBarrier roundStart = new CyclicBarrier(producers);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                final int producer = p;
                Thread t = new Thread(() -> {
                    try {
                        for (int r = 0; r < rounds; r++) {
                            roundStart.await(30, TimeUnit.SECONDS);
                            for (int i = 0; i < perRound; i++) {
                                int id = ((producer * rounds + r) * perRound + i) * 2;
                                d.spawn(() -> {
                                    runs.incrementAndGet(id);
                                    done.countDown();
                                    d.spawn(() -> {
                                        runs.incrementAndGet(id + 1);
                                        done.countDown();
                                    });
                                });
                            }
                            // Let the workers run dry and park before the next burst.
                            if (r % 5 == 0) {
                                while (d.metrics().parkedWorkers() < 4 && done.getCount() > 0
                                        && d.metrics().aliveTasks() > 0) {
                                    Thread.onSpinWait();
                                }
                            }
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "producer-" + p);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("every task ran (no lost wake-up)").isTrue();
            for (int i = 0; i < total; i++) {
                assertThat(runs.get(i)).as("task %d run count", i).isEqualTo(1);
            }
            WorkStealingDispatcherTest.await("all parked again", () -> d.metrics().parkedWorkers() == 4);
        } finally {
            d.shutdown(Duration.ofSeconds(30));
        }
    }

    /**
     * Fails if a single spawn into a fully parked runtime is lost: repeated many times, each
     * time only after every worker has parked.
     */
    @Test
    void aSingleSpawnIntoAParkedRuntimeAlwaysRuns() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(3)
                .context(RuntimeContext.named("single")).build();
        try {
            for (int i = 0; i < 2_000; i++) {
                WorkStealingDispatcherTest.await("parked", () -> d.metrics().parkedWorkers() == 3);
                assertThat(d.spawn(() -> 7).join(Duration.ofSeconds(30))).isEqualTo(7);
            }
        } finally {
            d.shutdown(Duration.ofSeconds(30));
        }
    }

    /**
     * Fails if the local queue's overflow to the global queue, or steal-half, loses or
     * duplicates a task: one task fans out 100,000 children from a worker (far more than a
     * local queue holds), while the other workers steal.
     */
    @Test
    void fanOutFromOneWorkerOverflowsAndIsStolenWithoutLossOrDuplication() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(4)
                .context(RuntimeContext.named("fanout")).build();
        try {
            int n = 100_000;
            AtomicIntegerArray runs = new AtomicIntegerArray(n);
            CountDownLatch done = new CountDownLatch(n);
            AtomicLong sum = new AtomicLong();
            d.spawn(() -> {
                for (int i = 0; i < n; i++) {
                    int id = i;
                    d.spawn(() -> {
                        runs.incrementAndGet(id);
                        sum.addAndGet(id);
                        done.countDown();
                    });
                }
            });
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < n; i++) {
                assertThat(runs.get(i)).as("task %d", i).isEqualTo(1);
            }
            assertThat(sum.get()).isEqualTo((long) n * (n - 1) / 2);
        } finally {
            d.shutdown(Duration.ofSeconds(30));
        }
    }

    /**
     * Fails if ping-pong through the LIFO slot starves the local queue: two tasks reschedule
     * each other forever on one worker while other tasks wait in its local queue.
     */
    @Test
    void lifoPingPongCannotStarveTheLocalQueue() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(1)
                .context(RuntimeContext.named("fair")).build();
        try {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            CountDownLatch others = new CountDownLatch(100);
            d.spawn(() -> {
                for (int i = 0; i < 100; i++) {
                    d.spawn(others::countDown); // queued locally behind the ping-pong
                }
                new PingPong(d, stop).run();
            });
            assertThat(others.await(30, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
        } finally {
            d.shutdown(Duration.ofSeconds(30));
        }
    }

    private record PingPong(WorkStealingDispatcher d, java.util.concurrent.atomic.AtomicBoolean stop)
            implements Runnable {
        @Override
        public void run() {
            if (!stop.get()) {
                d.spawn(this);
            }
        }
    }
}
