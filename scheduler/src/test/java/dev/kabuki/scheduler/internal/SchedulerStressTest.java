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

    /**
     * Fails if a yield kept in a worker's deferred slot, or a hostage steal of that slot or
     * the LIFO slot, loses a task, runs one twice, or runs one on two workers at once: 32
     * tasks each run 2,000 times, re-submitting themselves with {@code executeYielded} after
     * spawning a child (which lands in the LIFO slot, so most yields are kept in the deferred
     * slot), on 4 workers, while every 50th run holds its worker for 200 µs so that searchers
     * find stuck workers and take their slots. Exact counts per task and per child.
     */
    @Test
    void yieldsKeptInTheDeferredSlotAndHostageStealsNeitherLoseNorDuplicate() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(4)
                .context(RuntimeContext.named("deferred")).build();
        try {
            int tasks = 32;
            int runsEach = 2_000;
            AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
            AtomicIntegerArray childRuns = new AtomicIntegerArray(tasks * runsEach);
            AtomicIntegerArray running = new AtomicIntegerArray(tasks);
            AtomicLong overlaps = new AtomicLong();
            CountDownLatch done = new CountDownLatch(tasks * (runsEach + runsEach));
            for (int t = 0; t < tasks; t++) {
                final int id = t;
                d.execute(new Task() {
                    private int n; // confined: one run at a time, each handed over by a queue

                    @Override
                    public void run() {
                        if (!running.compareAndSet(id, 0, 1)) {
                            overlaps.incrementAndGet();
                        }
                        int k = n++;
                        runs.incrementAndGet(id);
                        done.countDown();
                        int child = id * runsEach + k;
                        d.spawn(() -> {
                            childRuns.incrementAndGet(child);
                            done.countDown();
                        });
                        if (k % 50 == 0) {
                            long until = System.nanoTime() + 200_000;
                            while (System.nanoTime() < until) {
                                Thread.onSpinWait(); // a long task: its slots are hostages
                            }
                        }
                        running.set(id, 0);
                        if (n < runsEach) {
                            d.executeYielded(this);
                        }
                    }

                    @Override
                    public void abandon(Throwable reason) {
                    }
                });
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("every run and child ran").isTrue();
            assertThat(overlaps.get()).as("runs of one task on two workers at once").isZero();
            for (int t = 0; t < tasks; t++) {
                assertThat(runs.get(t)).as("task %d runs", t).isEqualTo(runsEach);
            }
            for (int c = 0; c < tasks * runsEach; c++) {
                assertThat(childRuns.get(c)).as("child %d", c).isEqualTo(1);
            }
        } finally {
            d.shutdown(Duration.ofSeconds(30));
        }
    }
}
