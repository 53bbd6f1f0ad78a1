package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Behaviour of single tasks on the pool: values, failures, abort, interrupts, names, hooks. */
class SpawnBlockingTest {

    @Test
    void spawnBlockingReturnsValue() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().build()) {
            JoinHandle<Integer> h = pool.spawnBlocking(() -> 6 * 7);
            assertThat(h.join(DEADLINE)).isEqualTo(42);
            assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.SUCCEEDED);
        }
    }

    @Test
    void spawnBlockingRunsOnAPoolThreadNamedFromThePrefixCountingFromZero() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .context(RuntimeContext.named("naming")).build()) {
            String name = pool.spawnBlocking(() -> Thread.currentThread().getName()).join(DEADLINE);
            assertThat(name).isEqualTo("naming-blocking-0");
            boolean daemon = pool.spawnBlocking(() -> Thread.currentThread().isDaemon()).join(DEADLINE);
            assertThat(daemon).isFalse();
        }
    }

    @Test
    void exceptionBecomesFailedHandleCause() {
        IOException boom = new IOException("disk on fire");
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().build()) {
            JoinHandle<String> h = pool.spawnBlocking(() -> {
                throw boom;
            });
            assertThatThrownBy(() -> h.join(DEADLINE))
                    .isInstanceOf(TaskFailedException.class)
                    .cause().isSameAs(boom);
            assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        }
    }

    @Test
    void abortBeforeStartNeverRuns() throws Exception {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1).build()) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            JoinHandle<Void> blocker = pool.spawnBlocking(() -> {
                started.countDown();
                release.await();
                return null;
            });
            await(started, "the blocker to occupy the only thread");

            AtomicBoolean ran = new AtomicBoolean();
            JoinHandle<Void> victim = pool.spawnBlocking(() -> {
                ran.set(true);
                return null;
            });
            JoinHandle<String> after = pool.spawnBlocking(() -> "after");
            assertThat(pool.metrics().queuedTasks()).isEqualTo(2);
            assertThat(victim.abort()).isTrue();

            release.countDown();
            blocker.join(DEADLINE);
            // FIFO: once the task queued after the victim has run, the victim has been dequeued.
            assertThat(after.join(DEADLINE)).isEqualTo("after");
            assertThat(ran).isFalse();
            assertThat(victim.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
            assertThatThrownBy(() -> victim.join(DEADLINE)).isInstanceOf(TaskCancelledException.class);
            await().atMost(DEADLINE).until(() -> pool.metrics().aliveTasks() == 0);
        }
    }

    @Test
    void abortOfRunningTaskInterruptsItAndTheThreadServesTheNextTaskUninterrupted() throws Exception {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1).build()) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            JoinHandle<Void> sleeper = pool.spawnBlocking(() -> {
                started.countDown();
                try {
                    Thread.sleep(60_000); // the blocking behaviour under test
                } catch (InterruptedException e) {
                    seen.set(e);
                }
                return null;
            });
            await(started, "the sleeper to start");
            assertThat(sleeper.abort()).isTrue();
            assertThat(sleeper.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);

            boolean nextInterrupted = pool.spawnBlocking(() -> Thread.currentThread().isInterrupted())
                    .join(DEADLINE);
            assertThat(nextInterrupted).isFalse();
            assertThat(seen.get()).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void interruptStatusIsClearedBetweenTasks() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1).build()) {
            AtomicReference<Thread> first = new AtomicReference<>();
            pool.execute(new Task() {
                @Override
                public void run() {
                    first.set(Thread.currentThread());
                    Thread.currentThread().interrupt(); // leaks an interrupt out of the task
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });
            JoinHandle<Boolean> next = pool.spawnBlocking(() -> {
                assertThat(Thread.currentThread()).isSameAs(first.get()); // max 1: same thread
                return Thread.currentThread().isInterrupted();
            });
            assertThat(next.join(DEADLINE)).isFalse();
        }
    }

    @Test
    void taskThatThrowsFromRunDoesNotKillItsThread() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1)
                .context(RuntimeContext.named("throwing")).build()) {
            pool.execute(new Task() {
                @Override
                public void run() {
                    throw new IllegalStateException("expected in test: a Task that breaks its contract");
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });
            String name = pool.spawnBlocking(() -> Thread.currentThread().getName()).join(DEADLINE);
            assertThat(name).isEqualTo("throwing-blocking-0"); // the first thread survived
            assertThat(pool.metrics().liveThreads()).isEqualTo(1);
        }
    }

    @Test
    void hooksRunOnEachPoolThreadAndAThrowingHookIsNotFatal() throws Exception {
        AtomicReference<Thread> startedOn = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<Thread> stoppedOn = new AtomicReference<>();
        ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .context(new RuntimeContext("hooks", new ThreadHooks(() -> {
                    startedOn.set(Thread.currentThread());
                    throw new IllegalStateException("expected in test: a throwing start hook");
                }, () -> {
                    stoppedOn.set(Thread.currentThread());
                    stopped.countDown();
                }), null))
                .build();
        Thread ranOn = pool.spawnBlocking(Thread::currentThread).join(DEADLINE);
        assertThat(startedOn.get()).isSameAs(ranOn);
        BlockingPoolShutdown report = pool.shutdown(DEADLINE);
        await(stopped, "the stop hook");
        assertThat(stoppedOn.get()).isSameAs(ranOn);
        assertThat(report.threadsStillAlive()).isZero();
        assertThat(ranOn.isAlive()).isFalse();
    }

    @Test
    void orTimeoutUsesTheConfiguredTimer() {
        try (PoolTestSupport.ScheduledTimer timer = new PoolTestSupport.ScheduledTimer();
             ElasticBlockingPool pool = ElasticBlockingPool.builder()
                     .context(new RuntimeContext("timed", ThreadHooks.NONE, timer)).build()) {
            JoinHandle<Void> h = pool.<Void>spawnBlocking(() -> {
                Thread.sleep(60_000); // the blocking behaviour under test; interrupted by the timeout
                return null;
            }).orTimeout(Duration.ofMillis(50));
            assertThatThrownBy(() -> h.join(DEADLINE)).isInstanceOf(TaskTimeoutException.class);
            assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
        }
    }

    @Test
    void orTimeoutWithoutTimerIsAClearError() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().build()) {
            CountDownLatch release = new CountDownLatch(1);
            JoinHandle<Void> h = pool.spawnBlocking(() -> {
                release.await();
                return null;
            });
            assertThatThrownBy(() -> h.orTimeout(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("timer");
            release.countDown();
            h.join(DEADLINE);
        }
    }

    @Test
    void metricsCountLiveIdleQueuedAndAliveTasks() throws Exception {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(2).build()) {
            assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(0, 0, 0, 0));
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            Runnable noop = () -> { };
            JoinHandle<?>[] handles = new JoinHandle<?>[5];
            for (int i = 0; i < 5; i++) {
                boolean blocker = i < 2;
                handles[i] = pool.spawnBlocking(() -> {
                    if (blocker) {
                        started.countDown();
                    }
                    release.await();
                    noop.run();
                    return null;
                });
            }
            await(started, "two blockers to start");
            assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(2, 0, 3, 5));
            release.countDown();
            for (JoinHandle<?> h : handles) {
                h.join(DEADLINE);
            }
            await().atMost(DEADLINE).until(() -> pool.metrics().equals(new BlockingPoolMetrics(2, 2, 0, 0)));
        }
    }
}
