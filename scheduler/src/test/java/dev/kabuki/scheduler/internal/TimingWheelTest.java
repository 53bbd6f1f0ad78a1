package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.kabuki.scheduler.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TimingWheelTest {

    static final long MS = 1_000_000L;
    static final long TICK = MS;
    static final int WHEEL_SIZE = 4096;

    /** Records how a task ended; never throws from run/abandon. */
    static final class Probe implements Task {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger abandons = new AtomicInteger();
        final AtomicReference<Throwable> reason = new AtomicReference<>();
        final CountDownLatch ran = new CountDownLatch(1);
        final CountDownLatch abandoned = new CountDownLatch(1);
        volatile long ranAtNanos;

        @Override
        public void run() {
            ranAtNanos = System.nanoTime();
            runs.incrementAndGet();
            ran.countDown();
        }

        @Override
        public void abandon(Throwable why) {
            reason.set(why);
            abandons.incrementAndGet();
            abandoned.countDown();
        }
    }

    /** The wheel on a manual clock: nothing happens but on {@link #advanceBy}. */
    @Nested
    class ManualClock {
        /** Not zero, so ticks count from the wheel's start, not from clock zero. */
        final AtomicLong now = new AtomicLong(123_456_789_000L);
        final long start = now.get();
        final TimingWheel wheel = new TimingWheel(now::get, TICK, WHEEL_SIZE);

        void advanceTo(long nanos) {
            now.set(nanos);
            wheel.advanceTo(nanos);
        }

        void advanceBy(long nanos) {
            advanceTo(now.get() + nanos);
        }

        @Test
        void firesAtItsTickAndNotOneTickEarlier() {
            Probe p = new Probe();
            wheel.schedule(Duration.ofMillis(5), p);

            advanceTo(start + 4 * MS);
            assertThat(p.runs).hasValue(0);
            advanceTo(start + 5 * MS - 1);
            assertThat(p.runs).hasValue(0);
            advanceTo(start + 5 * MS);
            assertThat(p.runs).hasValue(1);
            advanceBy(10 * WHEEL_SIZE * MS);
            assertThat(p.runs).hasValue(1);
        }

        @Test
        void delayBetweenTicksIsRoundedUpNeverDown() {
            advanceTo(start + 300_000); // 0.3 ms into tick 0
            Probe p = new Probe();
            wheel.schedule(Duration.ofMillis(5), p); // due at 5.3 ms: tick 6

            advanceTo(start + 5 * MS + 299_999);
            assertThat(p.runs).hasValue(0);
            advanceTo(start + 6 * MS - 1);
            assertThat(p.runs).hasValue(0);
            advanceTo(start + 6 * MS);
            assertThat(p.runs).hasValue(1);
        }

        @Test
        void zeroAndNegativeDelayFireOnTheNextTick() {
            advanceTo(start + 7 * MS);
            Probe zero = new Probe();
            Probe negative = new Probe();
            wheel.schedule(Duration.ZERO, zero);
            wheel.schedule(Duration.ofSeconds(-5), negative);

            advanceTo(now.get()); // the current tick is already processed
            assertThat(zero.runs).hasValue(0);
            assertThat(negative.runs).hasValue(0);
            advanceBy(TICK);
            assertThat(zero.runs).hasValue(1);
            assertThat(negative.runs).hasValue(1);
        }

        @Test
        void cancelPreventsFiringAndReturnsTrueOnlyOnce() {
            Probe p = new Probe();
            Cancellable c = wheel.schedule(Duration.ofMillis(3), p);
            advanceBy(MS); // linked in its bucket now

            assertThat(c.cancel()).isTrue();
            assertThat(c.cancel()).isFalse();
            assertThat(wheel.pendingCount()).isZero();
            advanceBy(10 * MS);
            assertThat(p.runs).hasValue(0);
            assertThat(p.abandons).hasValue(0);
            assertThat(wheel.linkedCount()).isZero();
        }

        @Test
        void cancelBeforeTheTimerThreadSawItPreventsFiring() {
            Probe p = new Probe();
            Cancellable c = wheel.schedule(Duration.ofMillis(3), p);

            assertThat(c.cancel()).isTrue(); // still in the incoming stack
            advanceBy(10 * MS);
            assertThat(p.runs).hasValue(0);
            assertThat(wheel.linkedCount()).isZero();
        }

        @Test
        void cancelAfterFiringReturnsFalse() {
            Probe p = new Probe();
            Cancellable c = wheel.schedule(Duration.ofMillis(1), p);
            advanceBy(MS);

            assertThat(p.runs).hasValue(1);
            assertThat(c.cancel()).isFalse();
        }

        @Test
        void timersBeyondOneRotationFireExactlyAtTheirDeadline() {
            Probe tenSeconds = new Probe();
            Probe oneHour = new Probe();
            wheel.schedule(Duration.ofSeconds(10), tenSeconds);
            wheel.schedule(Duration.ofHours(1), oneHour);

            // Pass every bucket many times over: neither fires early.
            for (long t = start + 100 * MS; t < start + 10_000 * MS; t += 100 * MS) {
                advanceTo(t);
            }
            advanceTo(start + 10_000 * MS - 1);
            assertThat(tenSeconds.runs).hasValue(0);
            advanceTo(start + 10_000 * MS);
            assertThat(tenSeconds.runs).hasValue(1);

            for (long t = start + 11_000 * MS; t < start + 3_600_000 * MS; t += 1_000 * MS) {
                advanceTo(t);
            }
            advanceTo(start + 3_600_000 * MS - 1);
            assertThat(oneHour.runs).hasValue(0);
            advanceTo(start + 3_600_000 * MS);
            assertThat(oneHour.runs).hasValue(1);
            assertThat(wheel.pendingCount()).isZero();
        }

        @Test
        void aJumpOfManyRotationsFiresEverythingDue() {
            Probe soon = new Probe();
            Probe tenSeconds = new Probe();
            Probe oneHour = new Probe();
            Probe twoHours = new Probe();
            wheel.schedule(Duration.ofMillis(1), soon);
            wheel.schedule(Duration.ofSeconds(10), tenSeconds);
            wheel.schedule(Duration.ofHours(1), oneHour);
            wheel.schedule(Duration.ofHours(2), twoHours);

            advanceTo(start + 3_600_000 * MS);
            assertThat(soon.runs).hasValue(1);
            assertThat(tenSeconds.runs).hasValue(1);
            assertThat(oneHour.runs).hasValue(1);
            assertThat(twoHours.runs).hasValue(0);
            assertThat(wheel.pendingCount()).isEqualTo(1);
        }

        @Test
        void aHugeDelayIsAcceptedAndStaysPending() {
            Probe p = new Probe();
            Cancellable c = wheel.schedule(Duration.ofSeconds(Long.MAX_VALUE), p);

            advanceTo(start + 24 * 3_600_000 * MS);
            assertThat(p.runs).hasValue(0);
            assertThat(wheel.pendingCount()).isEqualTo(1);
            assertThat(c.cancel()).isTrue();
        }

        @Test
        void manyTimersInOneBucketFireTogetherAndLaterRotationsWait() {
            List<Probe> now5 = new ArrayList<>();
            List<Probe> nextRotation = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                Probe a = new Probe();
                Probe b = new Probe();
                now5.add(a);
                nextRotation.add(b);
                wheel.schedule(Duration.ofMillis(5), a);
                wheel.schedule(Duration.ofMillis(5 + WHEEL_SIZE), b); // same bucket
            }

            advanceTo(start + 5 * MS);
            assertThat(now5).allSatisfy(p -> assertThat(p.runs).hasValue(1));
            assertThat(nextRotation).allSatisfy(p -> assertThat(p.runs).hasValue(0));
            advanceTo(start + (5 + WHEEL_SIZE) * MS);
            assertThat(nextRotation).allSatisfy(p -> assertThat(p.runs).hasValue(1));
            assertThat(now5).allSatisfy(p -> assertThat(p.runs).hasValue(1));
        }

        @Test
        void timersFireInDeadlineOrderAcrossTicks() {
            List<Integer> order = new ArrayList<>();
            for (int ms : new int[] {30, 10, 20, 40}) {
                wheel.schedule(Duration.ofMillis(ms), new Task() {
                    @Override
                    public void run() {
                        order.add(ms);
                    }

                    @Override
                    public void abandon(Throwable reason) {
                    }
                });
            }
            advanceTo(start + 100 * MS); // one pass over many elapsed ticks
            assertThat(order).containsExactly(10, 20, 30, 40);
        }

        @Test
        void anActionThatThrowsDoesNotStopTheOthers() {
            Probe before = new Probe();
            Probe after = new Probe();
            Probe later = new Probe();
            wheel.schedule(Duration.ofMillis(2), before);
            wheel.schedule(Duration.ofMillis(2), new Task() {
                @Override
                public void run() {
                    throw new IllegalStateException("expected by the test: an action failed");
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });
            wheel.schedule(Duration.ofMillis(2), after);
            wheel.schedule(Duration.ofMillis(3), later);

            advanceTo(start + 2 * MS);
            assertThat(before.runs).hasValue(1);
            assertThat(after.runs).hasValue(1);
            advanceTo(start + 3 * MS);
            assertThat(later.runs).hasValue(1);
        }

        @Test
        void actionsMayScheduleAndCancelFromTheTimerThread() {
            Probe follow = new Probe();
            Probe victim = new Probe();
            Cancellable victimHandle = wheel.schedule(Duration.ofMillis(5), victim);
            wheel.schedule(Duration.ofMillis(2), new Task() {
                @Override
                public void run() {
                    wheel.schedule(Duration.ofMillis(1), follow);
                    victimHandle.cancel();
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });

            advanceTo(start + 2 * MS);
            assertThat(follow.runs).hasValue(0);
            advanceTo(start + 3 * MS);
            assertThat(follow.runs).hasValue(1);
            advanceTo(start + 10 * MS);
            assertThat(victim.runs).hasValue(0);
            assertThat(wheel.linkedCount()).isZero();
        }

        @Test
        void pendingCountFollowsScheduleFireAndCancel() {
            assertThat(wheel.pendingCount()).isZero();
            Cancellable a = wheel.schedule(Duration.ofMillis(1), new Probe());
            wheel.schedule(Duration.ofMillis(2), new Probe());
            wheel.schedule(Duration.ofMillis(3), new Probe());
            assertThat(wheel.pendingCount()).isEqualTo(3);
            a.cancel();
            assertThat(wheel.pendingCount()).isEqualTo(2);
            advanceTo(start + 2 * MS);
            assertThat(wheel.pendingCount()).isEqualTo(1);
            advanceTo(start + 3 * MS);
            assertThat(wheel.pendingCount()).isZero();
        }

        @Test
        void pendingCountFollowsCancelsOfEntriesAlreadyInTheWheel() {
            // No shared counter: the count adds the linked entries, less those cancelled in the
            // wheel and waiting for the next pass, plus the pending ones not yet taken in.
            Cancellable[] t = new Cancellable[5];
            for (int i = 0; i < t.length; i++) {
                t[i] = wheel.schedule(Duration.ofMillis(10 + i), new Probe());
            }
            advanceTo(start + MS); // takes all five in
            assertThat(wheel.linkedCount()).isEqualTo(5);
            t[0].cancel();
            t[3].cancel();
            assertThat(wheel.pendingCount()).isEqualTo(3); // before the pass that unlinks them
            Cancellable late = wheel.schedule(Duration.ofMillis(20), new Probe());
            wheel.schedule(Duration.ofMillis(20), new Probe());
            late.cancel(); // cancelled before it was taken in
            assertThat(wheel.pendingCount()).isEqualTo(4);
            advanceTo(start + 2 * MS);
            assertThat(wheel.linkedCount()).isEqualTo(4);
            assertThat(wheel.pendingCount()).isEqualTo(4);
            advanceTo(start + 30 * MS);
            assertThat(wheel.pendingCount()).isZero();
        }

        @Test
        void closeAbandonsEveryPendingActionExactlyOnceAndReturnsTheCount() {
            Probe fired = new Probe();
            Probe cancelled = new Probe();
            List<Probe> pending = new ArrayList<>();
            wheel.schedule(Duration.ofMillis(1), fired);
            Cancellable c = wheel.schedule(Duration.ofMillis(50), cancelled);
            for (int i = 0; i < 3; i++) {
                Probe p = new Probe();
                pending.add(p);
                wheel.schedule(Duration.ofMillis(100 + i), p); // linked in buckets
            }
            Probe farAway = new Probe();
            pending.add(farAway);
            wheel.schedule(Duration.ofHours(5), farAway);
            advanceTo(start + MS);
            c.cancel();
            Probe notYetTakenIn = new Probe(); // still in the incoming stack
            pending.add(notYetTakenIn);
            wheel.schedule(Duration.ofMillis(1), notYetTakenIn);

            assertThat(wheel.shutdown()).isEqualTo(5);

            assertThat(pending).allSatisfy(p -> {
                assertThat(p.abandons).hasValue(1);
                assertThat(p.runs).hasValue(0);
                assertThat(p.reason.get())
                        .isInstanceOf(RejectedExecutionException.class)
                        .hasMessage("timer is shut down");
            });
            assertThat(fired.abandons).hasValue(0);
            assertThat(cancelled.abandons).hasValue(0);
            assertThat(wheel.pendingCount()).isZero();
            assertThat(wheel.shutdown()).isZero();
            wheel.close();
            advanceTo(start + 10 * 3_600_000 * MS);
            assertThat(pending).allSatisfy(p -> assertThat(p.runs).hasValue(0));
            assertThat(pending).allSatisfy(p -> assertThat(p.abandons).hasValue(1));
        }

        @Test
        void scheduleAfterCloseAbandonsTheActionAndThrows() {
            wheel.close();
            Probe p = new Probe();

            assertThatThrownBy(() -> wheel.schedule(Duration.ofMillis(1), p))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("timer is shut down");
            assertThat(p.abandons).hasValue(1);
            assertThat(p.reason.get()).isInstanceOf(RejectedExecutionException.class);
            assertThat(wheel.pendingCount()).isZero();
        }

        @Test
        void rejectsBadConfiguration() {
            assertThatThrownBy(() -> new TimingWheel(now::get, TICK, 1000))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("power of two");
            assertThatThrownBy(() -> new TimingWheel(now::get, TICK, 32))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new TimingWheel(now::get, 0, WHEEL_SIZE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tick");
            assertThatThrownBy(() -> new TimingWheel(r -> null))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        /** Fails if an entry is lost, fired twice, fired off its tick, or left counted. */
        @Test
        void aMillionTimersFireExactlyOnceAtTheirTick() {
            int n = 1_000_000;
            long maxDelay = 5_000 * MS; // beyond one rotation (4.096 s)
            int[] runs = new int[n];
            long[] violations = new long[1];
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < n; i++) {
                long delay = 1 + random.nextLong(maxDelay - 1); // zero would mean "next tick"
                long due = start + delay;
                int id = i;
                wheel.schedule(Duration.ofNanos(delay), new Task() {
                    @Override
                    public void run() {
                        runs[id]++;
                        long t = now.get(); // the manual clock at firing
                        if (t < due || t >= due + TICK) {
                            violations[0]++;
                        }
                    }

                    @Override
                    public void abandon(Throwable reason) {
                        violations[0]++;
                    }
                });
            }
            assertThat(wheel.pendingCount()).isEqualTo(n);

            for (long t = start; t <= start + maxDelay + TICK; t += TICK) {
                advanceTo(t);
            }

            assertThat(violations[0]).isZero();
            for (int i = 0; i < n; i++) {
                if (runs[i] != 1) {
                    fail("timer " + i + " ran " + runs[i] + " times");
                }
            }
            assertThat(wheel.pendingCount()).isZero();
            assertThat(wheel.linkedCount()).isZero();
        }

        Duration randomDelay(SplittableRandom random) {
            return Duration.ofNanos(1 + random.nextLong(5_000 * MS));
        }

        /** Fails if a cancelled entry stays linked in a bucket, stays counted, or fires. */
        @Test
        void aMillionCancelledTimersLeaveNothingBehind() {
            int n = 1_000_000;
            AtomicInteger fired = new AtomicInteger();
            Task action = new Task() {
                @Override
                public void run() {
                    fired.incrementAndGet();
                }

                @Override
                public void abandon(Throwable reason) {
                    fired.incrementAndGet();
                }
            };
            SplittableRandom random = new SplittableRandom(7);
            Cancellable[] handles = new Cancellable[n];
            for (int i = 0; i < n / 2; i++) {
                handles[i] = wheel.schedule(randomDelay(random), action);
            }
            advanceTo(start); // the first half is linked in buckets now
            assertThat(wheel.linkedCount()).isEqualTo(n / 2);
            for (int i = n / 2; i < n; i++) { // the second half stays in the incoming stack
                handles[i] = wheel.schedule(randomDelay(random), action);
            }
            int cancelled = 0;
            for (Cancellable h : handles) {
                cancelled += h.cancel() ? 1 : 0;
            }
            assertThat(cancelled).isEqualTo(n);
            assertThat(wheel.pendingCount()).isZero();

            advanceTo(start); // no time passes: only the hand-offs are taken in
            assertThat(wheel.linkedCount()).isZero();
            advanceTo(start + 10_000 * MS);
            assertThat(fired).hasValue(0);
            assertThat(wheel.shutdown()).isZero();
        }
    }

    /** The wheel with its own thread and the real clock. */
    @Nested
    class RealThread {
        final List<TimingWheel> wheels = new ArrayList<>();

        TimingWheel start(Duration tick, int size) {
            ThreadFactory factory = r -> {
                Thread t = new Thread(r, "test-timer");
                t.setDaemon(true);
                return t;
            };
            TimingWheel w = new TimingWheel(factory, tick, size);
            wheels.add(w);
            return w;
        }

        @AfterEach
        void closeWheels() {
            wheels.forEach(TimingWheel::close);
        }

        @Test
        void aTimerFiresAfterItsDelayNotBefore() throws InterruptedException {
            TimingWheel wheel = start(TimingWheel.DEFAULT_TICK, TimingWheel.DEFAULT_WHEEL_SIZE);
            Probe p = new Probe();
            long t0 = System.nanoTime();
            wheel.schedule(Duration.ofMillis(20), p);

            assertThat(p.ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.ranAtNanos - t0).isGreaterThanOrEqualTo(20 * MS);
            assertThat(p.runs).hasValue(1);
            assertThat(wheel.pendingCount()).isZero();
        }

        @Test
        void anIdleTimerThreadParksWithoutADeadline() throws InterruptedException {
            TimingWheel wheel = start(TimingWheel.DEFAULT_TICK, TimingWheel.DEFAULT_WHEEL_SIZE);
            awaitParkedIndefinitely(wheel);

            Probe p = new Probe();
            wheel.schedule(Duration.ofMillis(5), p);
            assertThat(p.ran.await(10, TimeUnit.SECONDS)).isTrue();
            awaitParkedIndefinitely(wheel); // and again once its only timer has fired
        }

        /** Fails if a schedule earlier than the planned wake does not unpark the thread. */
        @Test
        void anEarlierTimerWakesAThreadParkedForALaterOne() throws InterruptedException {
            // One rotation is 65 s: parked for the 1 h timer, the thread plans to wake ~61 s on.
            TimingWheel wheel = start(Duration.ofMillis(1), 1 << 16);
            wheel.schedule(Duration.ofHours(1), new Probe());
            awaitState(wheel.timerThread(), Thread.State.TIMED_WAITING);

            Probe p = new Probe();
            wheel.schedule(Duration.ofMillis(20), p);
            assertThat(p.ran.await(10, TimeUnit.SECONDS)).isTrue();
        }

        /**
         * Fails if far-future timers that are cancelled at once (ask timeouts) pile up in the
         * incoming stack until the planned wake, hours away, instead of being taken in every
         * {@link TimingWheel#TIDY_EVERY} schedules.
         */
        @Test
        void cancelledFarFutureTimersDoNotPileUpUntilThePlannedWake() {
            // One rotation is 65 s: parked for the 1 h timer, the thread plans to wake ~61 s on.
            TimingWheel wheel = start(Duration.ofMillis(1), 1 << 16);
            wheel.schedule(Duration.ofHours(1), new Probe());
            awaitState(wheel.timerThread(), Thread.State.TIMED_WAITING);

            int n = 25 * TimingWheel.TIDY_EVERY;
            for (int i = 0; i < n; i++) {
                wheel.schedule(Duration.ofHours(1), new Probe()).cancel();
            }

            assertThat(wheel.pendingCount()).isEqualTo(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (wheel.incomingBacklog() >= TimingWheel.TIDY_EVERY) {
                if (System.nanoTime() > deadline) {
                    fail("backlog still " + wheel.incomingBacklog() + " entries after " + n
                            + " schedules; expected fewer than " + TimingWheel.TIDY_EVERY);
                }
                Thread.onSpinWait();
            }
        }

        @Test
        void anActionThatThrowsDoesNotKillTheTimerThread() throws InterruptedException {
            TimingWheel wheel = start(TimingWheel.DEFAULT_TICK, TimingWheel.DEFAULT_WHEEL_SIZE);
            CountDownLatch threw = new CountDownLatch(1);
            wheel.schedule(Duration.ZERO, new Task() {
                @Override
                public void run() {
                    threw.countDown();
                    throw new IllegalStateException("expected by the test: an action failed");
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });
            assertThat(threw.await(10, TimeUnit.SECONDS)).isTrue();

            Probe p = new Probe();
            wheel.schedule(Duration.ofMillis(2), p);
            assertThat(p.ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(wheel.timerThread().isAlive()).isTrue();
        }

        @Test
        void closeStopsTheThreadAndAbandonsPendingActions() {
            TimingWheel wheel = start(TimingWheel.DEFAULT_TICK, TimingWheel.DEFAULT_WHEEL_SIZE);
            List<Probe> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Probe p = new Probe();
                pending.add(p);
                wheel.schedule(Duration.ofHours(1 + i), p);
            }

            assertThat(wheel.shutdown()).isEqualTo(3);
            assertThat(wheel.timerThread().getState()).isEqualTo(Thread.State.TERMINATED);
            assertThat(pending).allSatisfy(p -> assertThat(p.abandons).hasValue(1));
            assertThat(wheel.shutdown()).isZero();

            Probe late = new Probe();
            assertThatThrownBy(() -> wheel.schedule(Duration.ofMillis(1), late))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThat(late.abandons).hasValue(1);
        }

        @Test
        void closeFromAnActionAbandonsTheRestWhenTheActionReturns() throws Exception {
            TimingWheel wheel = start(TimingWheel.DEFAULT_TICK, TimingWheel.DEFAULT_WHEEL_SIZE);
            Probe waiting = new Probe();
            wheel.schedule(Duration.ofHours(1), waiting);
            AtomicInteger returned = new AtomicInteger(-1);
            CountDownLatch closed = new CountDownLatch(1);
            wheel.schedule(Duration.ofMillis(1), new Task() {
                @Override
                public void run() {
                    returned.set(wheel.shutdown());
                    closed.countDown();
                }

                @Override
                public void abandon(Throwable reason) {
                }
            });

            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(returned).hasValue(0);
            assertThat(waiting.abandoned.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(wheel.shutdown()).isZero(); // waits for the timer thread's abandoning
            assertThat(waiting.abandons).hasValue(1);
            wheel.timerThread().join(TimeUnit.SECONDS.toMillis(10));
            assertThat(wheel.timerThread().isAlive()).isFalse();
        }

        void awaitParkedIndefinitely(TimingWheel wheel) {
            awaitState(wheel.timerThread(), Thread.State.WAITING);
            assertThat(LockSupport.getBlocker(wheel.timerThread())).isSameAs(wheel);
        }
    }

    /** Polls a thread's state (observation only, with a deadline). */
    static void awaitState(Thread t, Thread.State state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != state) {
            if (System.nanoTime() > deadline) {
                fail("thread " + t.getName() + " is " + t.getState() + ", not " + state);
            }
            LockSupport.parkNanos(100_000);
        }
    }
}
