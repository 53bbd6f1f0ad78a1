package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduledTaskTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final TimingWheel timer = new TimingWheel(r -> new Thread(r, "sched-timer"));
    private final WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
            .context(new RuntimeContext("sched", ThreadHooks.NONE, timer)).build();

    @AfterEach
    void tearDown() {
        timer.close();
        d.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void scheduleRunsOnAWorkerAfterTheDelay() {
        long start = System.nanoTime();
        String thread = d.schedule(Duration.ofMillis(30), () -> Thread.currentThread().getName()).join(LONG);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(29));
        assertThat(thread).startsWith("sched-worker-");
    }

    @Test
    void abortBeforeTheDelayMeansItNeverRunsAndTheTimerIsCancelled() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        int before = timer.pendingCount();
        JoinHandle<Boolean> h = d.schedule(Duration.ofMillis(200), () -> {
            ran.set(true);
            return true;
        });
        assertThat(h.abort()).isTrue();
        WorkStealingDispatcherTest.await("timer entry removed", () -> timer.pendingCount() == before);
        // A later task scheduled past the first one's deadline proves the deadline passed.
        d.schedule(Duration.ofMillis(300), () -> 1).join(LONG);
        assertThat(ran).isFalse();
        WorkStealingDispatcherTest.await("nothing alive", () -> d.metrics().aliveTasks() == 0);
    }

    @Test
    void fixedRateRunsRepeatedlyUntilAborted() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch five = new CountDownLatch(5);
        JoinHandle<Void> h = d.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(10), () -> {
            runs.incrementAndGet();
            five.countDown();
        });
        assertThat(five.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(h.isFinished()).isFalse();
        assertThat(h.abort()).isTrue();
        int atAbort = runs.get();
        // After abort at most the run already in flight completes; then nothing more.
        d.schedule(Duration.ofMillis(100), () -> 0).join(LONG);
        assertThat(runs.get()).isLessThanOrEqualTo(atAbort + 1);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        WorkStealingDispatcherTest.await("alive drained", () -> d.metrics().aliveTasks() == 0);
    }

    @Test
    void fixedRateRunsNeverOverlap() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        CountDownLatch runs = new CountDownLatch(10);
        JoinHandle<Void> h = d.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(1), () -> {
            if (concurrent.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3); // overruns its period
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            concurrent.decrementAndGet();
            runs.countDown();
        });
        assertThat(runs.await(30, TimeUnit.SECONDS)).isTrue();
        h.abort();
        assertThat(overlapped).isFalse();
    }

    @Test
    void aThrowingPeriodicBodyFailsTheHandleAndStops() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        JoinHandle<Void> h = d.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(5), () -> {
            if (runs.incrementAndGet() == 3) {
                throw new IllegalStateException("third run fails");
            }
        });
        assertThatThrownBy(() -> h.join(LONG)).isInstanceOf(TaskFailedException.class)
                .hasRootCauseMessage("third run fails");
        d.schedule(Duration.ofMillis(50), () -> 0).join(LONG);
        assertThat(runs.get()).isEqualTo(3);
    }

    @Test
    void aScheduledTaskNotYetDueAtShutdownIsAbandonedWithACause() {
        JoinHandle<Integer> later = d.schedule(Duration.ofHours(1), () -> 1);
        JoinHandle<Void> periodic = d.scheduleAtFixedRate(Duration.ofHours(1), Duration.ofHours(1), () -> { });
        assertThat(timer.shutdown()).isEqualTo(2);
        assertThatThrownBy(later::join).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThat(periodic.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        assertThat(d.shutdown(LONG).drained()).isTrue();
    }

    @Test
    void badArgumentsAreRejected() {
        assertThatThrownBy(() -> d.schedule(Duration.ofMillis(-1), () -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
        assertThatThrownBy(() -> d.scheduleAtFixedRate(Duration.ZERO, Duration.ZERO, () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
        WorkStealingDispatcher noTimer = WorkStealingDispatcher.builder().workerThreads(1).build();
        try {
            assertThatThrownBy(() -> noTimer.schedule(Duration.ZERO, () -> 1))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("timer");
        } finally {
            noTimer.shutdown(LONG);
        }
    }
}
