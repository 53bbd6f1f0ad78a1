package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static dev.kabuki.blocking.internal.PoolTestSupport.threadsNamed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.blocking.internal.PoolTestSupport.CountingTask;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The shutdown protocol: close, drain, stop, release idle threads, join. */
class BlockingPoolShutdownTest {

    @Test
    void shutdownLeavesNoThreads() throws Exception {
        final int n = 10;
        Set<Thread> started = ConcurrentHashMap.newKeySet();
        AtomicInteger stopped = new AtomicInteger();
        ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .context(new RuntimeContext("shutdown-threads", new ThreadHooks(
                        () -> started.add(Thread.currentThread()), stopped::incrementAndGet), null))
                .build();
        assertThat(threadsNamed("shutdown-threads")).isEmpty();
        CyclicBarrier together = new CyclicBarrier(n);
        List<JoinHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            handles.add(pool.spawnBlocking(() -> together.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)));
        }
        for (JoinHandle<Integer> h : handles) {
            h.join(DEADLINE);
        }
        assertThat(threadsNamed("shutdown-threads")).hasSize(n); // idle, keep-alive 10 s

        pool.close();
        BlockingPoolShutdown report = pool.shutdown(DEADLINE); // the first report again

        assertThat(report).isEqualTo(new BlockingPoolShutdown(true, 0, 0, 0));
        assertThat(threadsNamed("shutdown-threads")).isEmpty();
        assertThat(started).hasSize(n).allSatisfy(t -> assertThat(t.isAlive()).isFalse());
        assertThat(stopped).hasValue(n);
        assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(0, 0, 0, 0));
    }

    @Test
    void shutdownAbandonsQueuedAndInterruptsRunning() throws Exception {
        ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(2).context(RuntimeContext.named("shutdown-stop")).build();
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        JoinHandle<Void> sleeper = pool.spawnBlocking(() -> {
            started.countDown();
            Thread.sleep(60_000); // the blocking behaviour under test
            return null;
        });
        JoinHandle<Void> waiter = pool.spawnBlocking(() -> {
            started.countDown();
            never.await();
            return null;
        });
        await(started, "both threads to block");
        List<JoinHandle<String>> queuedHandles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queuedHandles.add(pool.spawnBlocking(() -> "never"));
        }
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger abandons = new AtomicInteger();
        CountDownLatch plainEnded = new CountDownLatch(2);
        CountingTask plain1 = new CountingTask(runs, abandons, plainEnded);
        CountingTask plain2 = new CountingTask(runs, abandons, plainEnded);
        pool.execute(plain1);
        pool.execute(plain2);
        assertThat(pool.metrics().queuedTasks()).isEqualTo(7);

        long t0 = System.nanoTime();
        BlockingPoolShutdown report = pool.shutdown(Duration.ofMillis(100));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(report).isEqualTo(new BlockingPoolShutdown(false, 7, 2, 0));
        assertThat(tookMillis).as("waited the timeout, then stopped promptly").isBetween(100L, 5_000L);
        for (JoinHandle<Void> running : List.of(sleeper, waiter)) {
            // Running at the deadline: cancelled (and interrupted), as on the core dispatcher.
            assertThatThrownBy(() -> running.join(DEADLINE)).isInstanceOf(TaskCancelledException.class);
        }
        for (JoinHandle<String> q : queuedHandles) {
            assertThat(q.isFinished()).isTrue();
            assertThatThrownBy(() -> q.join(DEADLINE))
                    .isInstanceOf(TaskFailedException.class)
                    .cause()
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessage("blocking pool shut down before this task ran");
        }
        await(plainEnded, "plain tasks abandoned");
        assertThat(runs).hasValue(0);
        assertThat(abandons).hasValue(2);
        assertThat(plain1.abandonCause).isInstanceOf(RejectedExecutionException.class);
        assertThat(threadsNamed("shutdown-stop")).isEmpty();
    }

    @Test
    void gracefulShutdownWaitsForQueuedAndRunningWork() throws Exception {
        ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1).build();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JoinHandle<String> blocker = pool.spawnBlocking(() -> {
            started.countDown();
            release.await();
            return "blocker";
        });
        await(started, "the blocker to start");
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<JoinHandle<Boolean>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            final int n = i;
            queued.add(pool.spawnBlocking(() -> order.add(n)));
        }
        AtomicReference<BlockingPoolShutdown> report = new AtomicReference<>();
        Thread closer = new Thread(() -> report.set(pool.shutdown(DEADLINE)), "closer");
        closer.start();
        // Step 2: the closer waits on a condition for the work to drain.
        await().atMost(DEADLINE).until(() -> closer.getState() == Thread.State.TIMED_WAITING);

        JoinHandle<String> late = pool.spawnBlocking(() -> "late");
        assertThat(late.isFinished()).as("rejected at once").isTrue();
        assertThatThrownBy(() -> late.join(DEADLINE))
                .isInstanceOf(TaskFailedException.class)
                .cause()
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("blocking pool is shut down");

        release.countDown();
        closer.join(DEADLINE.toMillis());
        assertThat(closer.isAlive()).isFalse();
        assertThat(report.get()).isEqualTo(new BlockingPoolShutdown(true, 0, 0, 0));
        assertThat(blocker.join(DEADLINE)).isEqualTo("blocker");
        for (JoinHandle<Boolean> h : queued) {
            assertThat(h.join(DEADLINE)).isTrue();
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void executeAfterShutdownAbandonsAtOnce() {
        ElasticBlockingPool pool = ElasticBlockingPool.builder().build();
        assertThat(pool.shutdownNow()).isEqualTo(new BlockingPoolShutdown(true, 0, 0, 0));

        JoinHandle<String> h = pool.spawnBlocking(() -> "never");
        assertThat(h.isFinished()).isTrue();
        assertThatThrownBy(() -> h.join(DEADLINE))
                .isInstanceOf(TaskFailedException.class)
                .cause()
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("blocking pool is shut down");

        AtomicInteger runs = new AtomicInteger();
        AtomicInteger abandons = new AtomicInteger();
        CountingTask plain = new CountingTask(runs, abandons, new CountDownLatch(1));
        pool.execute(plain);
        assertThat(abandons).hasValue(1);
        assertThat(runs).hasValue(0);
        assertThat(plain.abandonCause).isInstanceOf(RejectedExecutionException.class);
        assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(0, 0, 0, 0));
    }

    @Test
    void shutdownIsIdempotentAndReturnsTheFirstReport() {
        ElasticBlockingPool pool = ElasticBlockingPool.builder().build();
        assertThat(pool.spawnBlocking(() -> 1).join(DEADLINE)).isEqualTo(1);
        BlockingPoolShutdown first = pool.shutdownNow();
        assertThat(first.threadsStillAlive()).isZero();
        assertThat(pool.shutdown(Duration.ofSeconds(10))).isSameAs(first);
        assertThat(pool.shutdownNow()).isSameAs(first);
        pool.close();
        assertThatThrownBy(() -> pool.shutdown(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-0.001");
    }

    @Test
    void shutdownCalledFromAPoolThreadNeitherDeadlocksNorInterruptsItsCaller() {
        ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .context(RuntimeContext.named("shutdown-self")).build();
        JoinHandle<BlockingPoolShutdown> h = pool.spawnBlocking(() -> {
            BlockingPoolShutdown r = pool.shutdown(Duration.ofSeconds(10));
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            return r;
        });
        BlockingPoolShutdown report = h.join(DEADLINE);
        // Its own task was the only work, and its own thread is the one still alive.
        assertThat(report).isEqualTo(new BlockingPoolShutdown(true, 0, 0, 1));
        await().atMost(DEADLINE).until(() -> threadsNamed("shutdown-self").isEmpty());
        assertThat(pool.metrics().liveThreads()).isZero();
    }

    /**
     * Fails if a task submitted while the pool shuts down is neither run nor abandoned (a join
     * would time out), or if a thread survives the shutdown.
     */
    @Test
    void shutdownRacingSubmittersStrandsNothing() throws Exception {
        for (int round = 0; round < 20; round++) {
            ElasticBlockingPool pool = ElasticBlockingPool.builder()
                    .maxBlockingThreads(3).context(RuntimeContext.named("shutdown-race")).build();
            final int submitters = 4;
            final int perThread = 2_000;
            List<JoinHandle<Integer>> handles = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch someSubmitted = new CountDownLatch(submitters * 100);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        final int n = i;
                        handles.add(pool.spawnBlocking(() -> n));
                        someSubmitted.countDown();
                    }
                }, "submitter-" + s);
                threads.add(t);
                t.start();
            }
            await(someSubmitted, "submissions to get going");
            BlockingPoolShutdown report = round % 2 == 0
                    ? pool.shutdownNow()
                    : pool.shutdown(Duration.ofMillis(1));
            for (Thread t : threads) {
                t.join(DEADLINE.toMillis());
            }
            int ran = 0;
            int rejected = 0;
            for (JoinHandle<Integer> h : handles) {
                try {
                    h.join(DEADLINE);
                    ran++;
                } catch (TaskFailedException e) {
                    assertThat(e.getCause()).isInstanceOf(RejectedExecutionException.class);
                    rejected++;
                } catch (TaskCancelledException e) {
                    rejected++; // was running at the deadline
                }
            }
            assertThat(ran + rejected).isEqualTo(submitters * perThread);
            assertThat(report.threadsStillAlive()).isZero();
            assertThat(threadsNamed("shutdown-race")).isEmpty();
            assertThat(pool.metrics().liveThreads()).isZero();
        }
    }
}
