package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A current-thread dispatcher on a {@link ManualTimer}: {@code advance} runs every timer and
 * every task that falls due, in order, on the calling thread, with no real sleeping.
 */
class CurrentThreadManualTimeTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    /** Generous: the point is no real sleeping through the hour, not a benchmark. */
    private static final long REAL_TIME_BOUND_NANOS = 5 * S;

    private final ManualTimer timer = new ManualTimer();
    private final CurrentThreadDispatcher rt =
            new CurrentThreadDispatcher(new RuntimeContext("manual", ThreadHooks.NONE, timer));
    private final long start = timer.nanoTime();
    /** What ran, with the manual time it saw; touched by the driver only. */
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void tearDown() {
        timer.shutdown();
        rt.shutdown(Duration.ofSeconds(5));
    }

    private long elapsed() {
        return timer.nanoTime() - start;
    }

    private void note(String what) {
        log.add(what + "@" + elapsed() / MS + "ms");
    }

    private Callable<Void> noting(String what) {
        return () -> {
            note(what);
            return null;
        };
    }

    @Test
    void aOneHourDelayedTaskRunsAfterAdvancingAnHourNotASecondEarlierAndWithoutSleeping() {
        long realStart = System.nanoTime();
        JoinHandle<Long> h = rt.schedule(Duration.ofHours(1), this::elapsed);

        rt.advance(Duration.ofMinutes(59).plusSeconds(59));
        assertThat(h.isFinished()).isFalse();
        rt.advance(Duration.ofSeconds(1));

        assertThat(h.isFinished()).isTrue();
        assertThat(h.join()).isEqualTo(Duration.ofHours(1).toNanos());
        assertThat(System.nanoTime() - realStart).isLessThan(REAL_TIME_BOUND_NANOS);
        assertThat(rt.metrics().aliveTasks()).isZero();
    }

    @Test
    void aOneHourTimeoutOnAPromiseFiresAfterAdvancingAnHourAndItsCallbacksRunOnTheDriver() {
        long realStart = System.nanoTime();
        PromiseHandle<String> promise = new PromiseHandle<>(timer, null, rt);
        AtomicReference<String> seen = new AtomicReference<>();
        promise.orTimeout(Duration.ofHours(1)).whenComplete((v, e) -> seen.set(
                e.getClass().getSimpleName() + "@" + elapsed() / S + "s, as a task of the driver: "
                        + rt.isRunningTaskOnCallingThread()));

        rt.advance(Duration.ofMinutes(59).plusSeconds(59));
        assertThat(promise.outcome()).isEqualTo(JoinHandle.Outcome.PENDING);
        assertThat(seen.get()).isNull();
        rt.advance(Duration.ofSeconds(1));

        assertThat(promise.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
        // The timer action handed the completion to the dispatcher, which ran it before
        // advance returned.
        assertThat(seen.get()).isEqualTo("TaskTimeoutException@3600s, as a task of the driver: true");
        assertThat(System.nanoTime() - realStart).isLessThan(REAL_TIME_BOUND_NANOS);
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    void everythingATimerTriggersRunsBeforeAdvanceReturnsEachAtItsOwnTime() {
        rt.schedule(Duration.ofSeconds(10), () -> {
            note("delayed");
            rt.spawn(() -> {
                note("spawned-by-delayed");
                rt.schedule(Duration.ofSeconds(5), noting("scheduled-within-span"));
                rt.schedule(Duration.ofSeconds(50), noting("scheduled-beyond-span"));
            });
            return null;
        });
        rt.schedule(Duration.ofSeconds(20), noting("second"));
        rt.schedule(Duration.ofSeconds(20), noting("second-tie"));

        rt.advance(Duration.ofSeconds(30));

        assertThat(log).containsExactly("delayed@10000ms", "spawned-by-delayed@10000ms",
                "scheduled-within-span@15000ms", "second@20000ms", "second-tie@20000ms");
        assertThat(elapsed()).isEqualTo(30 * S);
        rt.advance(Duration.ofSeconds(30));
        assertThat(log).last().isEqualTo("scheduled-beyond-span@60000ms");
    }

    @Test
    void timersDueAtOneInstantAllFireBeforeTheTasksTheyReleaseRun() {
        // As on the real wheel, where one tick's timers fire together and their tasks then run
        // in FIFO order: the first task's child runs after the second task.
        rt.schedule(Duration.ofSeconds(1), () -> {
            note("first");
            return rt.spawn(() -> note("child-of-first"));
        });
        rt.schedule(Duration.ofSeconds(1), noting("second"));

        rt.advance(Duration.ofSeconds(1));

        assertThat(log).containsExactly("first@1000ms", "second@1000ms", "child-of-first@1000ms");
    }

    @Test
    void aDueNowTimerScheduledByATimerActionFiresAfterTheTasksThatActionReleased() {
        // As on the real wheel, where such a timer goes to the next tick: one step fires the
        // timers pending when it began, then the tasks they released run, then the next step.
        timer.schedule(Duration.ofSeconds(1), new RunnableTask(() -> {
            note("action");
            rt.spawn(() -> note("task-of-action"));
            timer.schedule(Duration.ZERO, new RunnableTask(() -> note("due-now-from-action")));
        }));

        rt.advance(Duration.ofSeconds(1));

        assertThat(log).containsExactly("action@1000ms", "task-of-action@1000ms",
                "due-now-from-action@1000ms");
    }

    @Test
    void aFixedRateTaskRunsFloorOfSpanOverPeriodTimesAtExactMultiplesWithoutDrift() {
        long period = 7 * MS;
        List<Long> at = new ArrayList<>();
        JoinHandle<Void> h = rt.scheduleAtFixedRate(Duration.ofNanos(period),
                Duration.ofNanos(period), () -> at.add(elapsed()));

        rt.advance(Duration.ofSeconds(1));
        assertThat(at).hasSize((int) (S / period)); // 142
        // Then in steps shorter than the period, which must not shift the plan.
        for (int i = 0; i < 100; i++) {
            rt.advance(Duration.ofMillis(3));
        }
        assertThat(at).hasSize((int) (1_300 * MS / period)); // 185
        for (int i = 0; i < at.size(); i++) {
            assertThat(at.get(i)).as("run %d", i).isEqualTo((i + 1) * period);
        }
        assertThat(h.abort()).isTrue();
        rt.advance(Duration.ofSeconds(1));
        assertThat(at).hasSize(185);
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    void aTaskAbortedBeforeTheAdvanceNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        JoinHandle<Integer> h = rt.schedule(Duration.ofSeconds(1), runs::incrementAndGet);
        assertThat(timer.pendingCount()).isOne();

        assertThat(h.abort()).isTrue();
        rt.advance(Duration.ofHours(1));

        assertThat(runs).hasValue(0);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        assertThat(timer.pendingCount()).isZero();
        assertThat(rt.metrics().aliveTasks()).isZero();
    }

    @Test
    void advanceZeroRunsWhatIsDueNowAndDoesNotMoveTheClock() {
        rt.spawn(() -> note("ready"));
        rt.schedule(Duration.ZERO, noting("due-now"));
        rt.schedule(Duration.ofNanos(1), noting("one-ns-later"));

        rt.advance(Duration.ZERO);

        assertThat(log).containsExactly("ready@0ms", "due-now@0ms");
        assertThat(elapsed()).isZero();
    }

    @Test
    void runUntilIdleRunsReadyTasksAndDueTimersWithoutMovingTheClock() {
        rt.spawn(() -> {
            note("ready");
            rt.schedule(Duration.ZERO, () -> {
                note("due-now");
                return rt.spawn(() -> note("spawned-by-due-now"));
            });
        });
        rt.schedule(Duration.ofMillis(1), noting("later"));

        rt.runUntilIdle();

        assertThat(log).containsExactly("ready@0ms", "due-now@0ms", "spawned-by-due-now@0ms");
        assertThat(elapsed()).isZero();
        assertThat(timer.pendingCount()).isOne();
    }

    @Test
    void advanceOutsideBlockOnDrivesOnTheCallingThreadForTheCallOnly() {
        Thread me = Thread.currentThread();
        JoinHandle<Thread> h = rt.schedule(Duration.ofSeconds(1), Thread::currentThread);

        rt.advance(Duration.ofSeconds(1));

        assertThat(h.join()).isSameAs(me);
        assertThat(rt.isDriven()).isFalse();
    }

    @Test
    void advanceInsideBlockOnRunsOnTheDriver() {
        String result = rt.blockOn(() -> {
            JoinHandle<String> h = rt.schedule(Duration.ofMinutes(5), () -> "done");
            rt.advance(Duration.ofMinutes(5));
            return h.join();
        });
        assertThat(result).isEqualTo("done");
    }

    @Test
    void advancingFromAThreadOtherThanTheDriverIsRejected() throws Exception {
        CountDownLatch driving = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JoinHandle<Integer> h = rt.schedule(Duration.ofSeconds(1), () -> 1);
        Thread driver = new Thread(() -> rt.blockOn(() -> {
            driving.countDown();
            return release.await(10, TimeUnit.SECONDS);
        }), "the-driver");
        driver.start();
        try {
            assertThat(driving.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> rt.advance(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("advance()")
                    .hasMessageContaining("the-driver");
            assertThatThrownBy(rt::runUntilIdle).isInstanceOf(IllegalStateException.class);
        } finally {
            release.countDown();
            driver.join(10_000);
        }
        assertThat(elapsed()).isZero();
        assertThat(h.isFinished()).isFalse();
    }

    @Test
    void advanceNeedsAManualTimer() {
        try (TimingWheel wheel = new TimingWheel(r -> new Thread(r, "real-timer"))) {
            CurrentThreadDispatcher real = new CurrentThreadDispatcher("real", wheel);
            assertThatThrownBy(() -> real.advance(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ManualTimer");
            real.runUntilIdle(); // no timer to step: runs the ready tasks only
            real.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void advanceAfterShutdownIsRejected() {
        rt.shutdown(Duration.ofSeconds(1));
        assertThatThrownBy(() -> rt.advance(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
    }

    @Test
    void aJoinOnTheDriverFiresTimersDueNowButNeverMovesTheClock() {
        // Timed, so that a driver that does not fire it fails the test instead of hanging it.
        int v = rt.blockOn(() -> rt.schedule(Duration.ZERO, () -> 42).join(Duration.ofSeconds(10)));
        assertThat(v).isEqualTo(42);
        assertThat(elapsed()).isZero();
    }

    @Test
    void aDueNowTimerScheduledFromAnotherThreadWakesADriverParkedInAJoin() throws Exception {
        PromiseHandle<String> promise = new PromiseHandle<>(timer);
        AtomicReference<Thread> firedOn = new AtomicReference<>();
        Thread other = new Thread(() -> timer.schedule(Duration.ZERO, new Task() {
            @Override
            public void run() {
                firedOn.set(Thread.currentThread());
                promise.complete("woken");
            }

            @Override
            public void abandon(Throwable reason) {
                promise.fail(reason);
            }
        }), "other-scheduler");

        // Without the wake-up the driver would park for the join's whole timeout.
        long realStart = System.nanoTime();
        String v = rt.blockOn(() -> {
            other.start();
            return promise.join(Duration.ofSeconds(10));
        });

        assertThat(System.nanoTime() - realStart).isLessThan(REAL_TIME_BOUND_NANOS);
        other.join(10_000);
        assertThat(v).isEqualTo("woken");
        assertThat(firedOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void aNestedAdvanceMovesTimeOnAndTheOuterOneCarriesOnFromThere() {
        rt.schedule(Duration.ofSeconds(1), () -> {
            note("outer-step");
            rt.advance(Duration.ofSeconds(10)); // to 11 s
            note("after-nested");
            return null;
        });
        rt.schedule(Duration.ofSeconds(5), noting("five"));
        rt.schedule(Duration.ofSeconds(20), noting("twenty"));

        rt.advance(Duration.ofSeconds(3)); // to 3 s, but the nested one went to 11 s

        assertThat(log).containsExactly("outer-step@1000ms", "five@5000ms", "after-nested@11000ms");
        assertThat(elapsed()).isEqualTo(11 * S);
    }
}
