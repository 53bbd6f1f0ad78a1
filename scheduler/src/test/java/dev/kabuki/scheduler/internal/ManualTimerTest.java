package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The manual timer on its own: the clock, the order of firing, cancel, shutdown. */
class ManualTimerTest {
    private static final long S = 1_000_000_000L;

    private final ManualTimer timer = new ManualTimer(1_000 * S);
    private final long start = timer.nanoTime();
    /** "name@elapsed-ns" per fired action, elapsed on the timer's clock since {@code start}. */
    private final List<String> log = new ArrayList<>();

    /** An action that logs its name and the clock it sees; abandon logs too. */
    private Task record(String name) {
        return new Task() {
            @Override
            public void run() {
                log.add(name + "@" + (timer.nanoTime() - start));
            }

            @Override
            public void abandon(Throwable reason) {
                log.add(name + " abandoned: " + reason.getMessage());
            }
        };
    }

    private Task run(Runnable r) {
        return new Task() {
            @Override
            public void run() {
                r.run();
            }

            @Override
            public void abandon(Throwable reason) {
                log.add("abandoned");
            }
        };
    }

    @Test
    void timeStandsStillUntilAdvanced() {
        timer.schedule(Duration.ofNanos(1), record("a"));
        assertThat(timer.nanoTime()).isEqualTo(start);
        assertThat(log).isEmpty();
        assertThat(timer.pendingCount()).isOne();
    }

    @Test
    void firesInDeadlineOrderAndEqualDeadlinesInSchedulingOrder() {
        timer.schedule(Duration.ofSeconds(3), record("c3"));
        timer.schedule(Duration.ofSeconds(1), record("a1"));
        timer.schedule(Duration.ofSeconds(2), record("b2-first"));
        timer.schedule(Duration.ofSeconds(2), record("b2-second"));
        timer.schedule(Duration.ofSeconds(2), record("b2-third"));

        assertThat(timer.advance(Duration.ofSeconds(3))).isEqualTo(5);

        assertThat(log).containsExactly("a1@" + S, "b2-first@" + 2 * S, "b2-second@" + 2 * S,
                "b2-third@" + 2 * S, "c3@" + 3 * S);
        assertThat(timer.nanoTime()).isEqualTo(start + 3 * S);
    }

    @Test
    void deadlinesAreExactNotRoundedToATick() {
        timer.schedule(Duration.ofNanos(1_500), record("x"));
        timer.advance(Duration.ofNanos(1_499));
        assertThat(log).isEmpty();
        timer.advance(Duration.ofNanos(1));
        assertThat(log).containsExactly("x@1500");
    }

    @Test
    void aTimerScheduledByAFiredActionWithinTheSpanFiresInTheSameAdvanceAtItsOwnDeadline() {
        timer.schedule(Duration.ofSeconds(10), run(() -> {
            log.add("outer@" + (timer.nanoTime() - start));
            timer.schedule(Duration.ofSeconds(5), record("inner")); // due at 15 s
            timer.schedule(Duration.ofSeconds(50), record("beyond")); // due at 60 s
        }));
        timer.schedule(Duration.ofSeconds(20), record("later"));

        timer.advance(Duration.ofSeconds(30));

        assertThat(log).containsExactly("outer@" + 10 * S, "inner@" + 15 * S, "later@" + 20 * S);
        assertThat(timer.pendingCount()).isOne();
        assertThat(timer.nextDeadline()).isEqualTo(start + 60 * S);
    }

    @Test
    void aZeroDelayScheduledByAnActionFiresAfterTheOthersDueAtThatInstant() {
        timer.schedule(Duration.ofSeconds(1), run(() -> {
            log.add("first");
            timer.schedule(Duration.ZERO, record("zero-from-first"));
        }));
        timer.schedule(Duration.ofSeconds(1), record("second"));

        timer.advance(Duration.ofSeconds(1));

        assertThat(log).containsExactly("first", "second@" + S, "zero-from-first@" + S);
    }

    @Test
    void cancelBeforeTheAdvanceMeansItNeverFires() {
        Cancellable c = timer.schedule(Duration.ofSeconds(1), record("cancelled"));
        timer.schedule(Duration.ofSeconds(2), record("kept"));

        assertThat(c.cancel()).isTrue();
        assertThat(c.cancel()).isFalse();
        assertThat(timer.pendingCount()).isOne();
        timer.advance(Duration.ofHours(1));

        assertThat(log).containsExactly("kept@" + 2 * S);
    }

    @Test
    void anActionMayCancelALaterTimerDueInTheSameAdvance() {
        AtomicReference<Cancellable> victim = new AtomicReference<>();
        timer.schedule(Duration.ofSeconds(1), run(() -> victim.get().cancel()));
        victim.set(timer.schedule(Duration.ofSeconds(2), record("victim")));

        timer.advance(Duration.ofSeconds(5));

        assertThat(log).isEmpty();
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    void advanceZeroRunsWhatIsDueNowAndNothingLater() {
        timer.schedule(Duration.ZERO, record("zero"));
        timer.schedule(Duration.ofSeconds(-3), record("negative"));
        timer.schedule(Duration.ofNanos(1), record("later"));

        assertThat(timer.advance(Duration.ZERO)).isEqualTo(2);

        assertThat(log).containsExactly("zero@0", "negative@0");
        assertThat(timer.nanoTime()).isEqualTo(start);
    }

    @Test
    void aCancelledFiredTimerReturnsFalse() {
        Cancellable c = timer.schedule(Duration.ofSeconds(1), record("x"));
        timer.advance(Duration.ofSeconds(1));
        assertThat(c.cancel()).isFalse();
    }

    @Test
    void aNegativeAdvanceIsRejected() {
        assertThatThrownBy(() -> timer.advance(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThat(timer.nanoTime()).isEqualTo(start);
    }

    @Test
    void advancingFromAnActionIsRejected() {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        timer.schedule(Duration.ofSeconds(1), run(() -> {
            try {
                timer.advance(Duration.ofSeconds(1));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }));

        timer.advance(Duration.ofSeconds(1));

        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("own actions");
        assertThat(timer.nanoTime()).isEqualTo(start + S);
    }

    @Test
    void advancingWhileAnotherThreadAdvancesIsRejected() throws Exception {
        CountDownLatch inAction = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        timer.schedule(Duration.ofSeconds(1), run(() -> {
            inAction.countDown();
            await(release);
        }));
        Thread other = new Thread(() -> timer.advance(Duration.ofSeconds(1)), "other-advancer");
        other.start();
        try {
            assertThat(inAction.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> timer.advance(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("other-advancer");
        } finally {
            release.countDown();
            other.join(10_000);
        }
        assertThat(timer.nanoTime()).isEqualTo(start + S);
    }

    @Test
    void anActionThatThrowsDoesNotStopTheOthers() {
        timer.schedule(Duration.ofSeconds(1), run(() -> {
            throw new IllegalStateException("boom (expected by the test)");
        }));
        timer.schedule(Duration.ofSeconds(2), record("after"));

        timer.advance(Duration.ofSeconds(2));

        assertThat(log).containsExactly("after@" + 2 * S);
    }

    @Test
    void handOffGoesToTheRegisteredDispatcherElseRunsHere() {
        Task completion = record("completion");
        timer.handOff(completion);
        assertThat(log).containsExactly("completion@0");

        CurrentThreadDispatcher d = new CurrentThreadDispatcher("handoff", timer);
        d.blockOn(() -> {
            timer.handOff(completion); // queued for the driver, not run here
            assertThat(log).hasSize(1);
            d.runUntilIdle();
            return null;
        });
        assertThat(log).containsExactly("completion@0", "completion@0");
        d.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void shutdownAbandonsEveryPendingActionOnceAndLaterSchedulesThrow() {
        Cancellable cancelled = timer.schedule(Duration.ofSeconds(1), record("cancelled"));
        timer.schedule(Duration.ofSeconds(2), record("a"));
        timer.schedule(Duration.ofDays(2), record("b"));
        cancelled.cancel();

        assertThat(timer.shutdown()).isEqualTo(2);
        assertThat(timer.shutdown()).isZero();
        assertThat(log).containsExactly("a abandoned: timer is shut down",
                "b abandoned: timer is shut down");

        assertThatThrownBy(() -> timer.schedule(Duration.ofSeconds(1), record("late")))
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(log).last().isEqualTo("late abandoned: timer is shut down");
        assertThat(timer.advance(Duration.ofDays(3))).isZero();
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    void hugeDelaysAndAdvancesSaturateInsteadOfOverflowing() {
        timer.schedule(Duration.ofSeconds(Long.MAX_VALUE), record("far"));
        timer.advance(Duration.ofDays(365L * 10));
        assertThat(log).isEmpty();
        timer.advance(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(timer.nanoTime()).isGreaterThan(start);
        assertThat(log).hasSize(1);
        timer.advance(Duration.ofSeconds(Long.MAX_VALUE));
        timer.advance(Duration.ofSeconds(Long.MAX_VALUE));
        timer.advance(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(timer.nanoTime()).isEqualTo(Long.MAX_VALUE);
        timer.schedule(Duration.ofSeconds(1), record("at-the-end-of-time"));
        assertThat(timer.advance(Duration.ZERO)).isOne(); // saturated: due now, not in the past
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
