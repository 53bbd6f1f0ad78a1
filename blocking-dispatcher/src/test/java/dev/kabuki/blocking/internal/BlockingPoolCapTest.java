package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The cap on threads, the FIFO queue behind it, and the bounded queue. */
class BlockingPoolCapTest {

    /**
     * Fails if the pool ever runs more than maxBlockingThreads tasks at once or counts more live
     * threads than the cap, or if a queued task is lost.
     */
    @Test
    void capRespectedUnderBurstOf2000BlockingTasks() throws Exception {
        final int cap = 64;
        final int tasks = 2_000;
        final int waves = (tasks + cap - 1) / cap;
        CountDownLatch[] waveStarted = new CountDownLatch[waves];
        CountDownLatch[] waveRelease = new CountDownLatch[waves];
        for (int w = 0; w < waves; w++) {
            waveStarted[w] = new CountDownLatch(Math.min(cap, tasks - w * cap));
            waveRelease[w] = new CountDownLatch(1);
        }
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger maxLive = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);

        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(cap).build()) {
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxLive.accumulateAndGet(pool.metrics().liveThreads(), Math::max);
                    Thread.onSpinWait();
                }
            }, "metrics-sampler");
            sampler.start();

            List<JoinHandle<Void>> handles = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                final int wave = i / cap;
                handles.add(pool.spawnBlocking(() -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    waveStarted[wave].countDown();
                    try {
                        waveRelease[wave].await();
                    } finally {
                        running.decrementAndGet();
                    }
                    completed.incrementAndGet();
                    return null;
                }));
            }
            // FIFO behind the cap: wave w starts only when wave w-1 has been released.
            for (int w = 0; w < waves; w++) {
                await(waveStarted[w], "wave " + w + " to start");
                assertThat(running.get()).as("running during wave %d", w).isLessThanOrEqualTo(cap);
                assertThat(pool.metrics().liveThreads()).isLessThanOrEqualTo(cap);
                waveRelease[w].countDown();
            }
            for (JoinHandle<Void> h : handles) {
                h.join(DEADLINE);
            }
            sampling.set(false);
            sampler.join();
            assertThat(completed).hasValue(tasks);
            assertThat(maxRunning.get()).isEqualTo(cap); // reached the cap, never beyond it
            assertThat(maxLive.get()).isLessThanOrEqualTo(cap);
            assertThat(pool.metrics().queuedTasks()).isZero();
            await().atMost(DEADLINE).until(() -> pool.metrics().aliveTasks() == 0);
        }
    }

    @Test
    void queuedJobsAreFifoBehindTheCap() throws Exception {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1).build()) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            JoinHandle<Void> blocker = pool.spawnBlocking(() -> {
                started.countDown();
                release.await();
                return null;
            });
            await(started, "the blocker to start");
            List<Integer> order = new ArrayList<>(); // only the one pool thread appends
            List<JoinHandle<Boolean>> handles = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                final int n = i;
                handles.add(pool.spawnBlocking(() -> order.add(n)));
            }
            assertThat(pool.metrics().queuedTasks()).isEqualTo(500);
            release.countDown();
            blocker.join(DEADLINE);
            for (JoinHandle<Boolean> h : handles) {
                h.join(DEADLINE);
            }
            assertThat(order).containsExactlyElementsOf(IntStream.range(0, 500).boxed().toList());
        }
    }

    @Test
    void boundedQueueRejectsWithClearCause() throws Exception {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(1).blockingQueueCapacity(2).build()) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            JoinHandle<String> blocker = pool.spawnBlocking(() -> {
                started.countDown();
                release.await();
                return "blocker";
            });
            await(started, "the blocker to start");
            JoinHandle<String> q1 = pool.spawnBlocking(() -> "q1");
            JoinHandle<String> q2 = pool.spawnBlocking(() -> "q2");
            JoinHandle<String> rejected = pool.spawnBlocking(() -> "never");

            assertThat(rejected.isFinished()).as("rejected at once").isTrue();
            assertThatThrownBy(() -> rejected.join(DEADLINE))
                    .isInstanceOf(TaskFailedException.class)
                    .cause()
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("blockingQueueCapacity=2");
            assertThat(pool.metrics().queuedTasks()).isEqualTo(2);
            assertThat(pool.metrics().aliveTasks()).isEqualTo(3);

            release.countDown();
            assertThat(List.of(blocker.join(DEADLINE), q1.join(DEADLINE), q2.join(DEADLINE)))
                    .containsExactly("blocker", "q1", "q2");
            // Room again once the queue has drained.
            assertThat(pool.spawnBlocking(() -> "later").join(DEADLINE)).isEqualTo("later");
        }
    }
}
