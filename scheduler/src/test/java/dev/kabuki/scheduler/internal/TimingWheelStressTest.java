package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Many threads against the real timer thread; exact counts. */
class TimingWheelStressTest {

    static final ThreadFactory TIMER_THREADS = r -> {
        Thread t = new Thread(r, "stress-timer");
        t.setDaemon(true);
        return t;
    };

    /** One scheduled action and how it ended. */
    static final class Action implements Task {
        static final AtomicIntegerFieldUpdater<Action> RUNS =
                AtomicIntegerFieldUpdater.newUpdater(Action.class, "runs");
        static final AtomicIntegerFieldUpdater<Action> ABANDONS =
                AtomicIntegerFieldUpdater.newUpdater(Action.class, "abandons");

        final LongAdder fired;
        volatile int runs;
        volatile int abandons;
        /** Set by the owner after its cancel() returned true. */
        volatile boolean cancelledByOwner;
        /** Set by the owner when schedule() threw. */
        volatile boolean rejected;

        Action(LongAdder fired) {
            this.fired = fired;
        }

        @Override
        public void run() {
            RUNS.incrementAndGet(this);
            fired.increment();
        }

        @Override
        public void abandon(Throwable reason) {
            if (reason instanceof RejectedExecutionException) {
                ABANDONS.incrementAndGet(this);
            }
        }
    }

    /**
     * Fails if a timer is lost (never fires though not cancelled), fires twice, fires after its
     * owner's cancel() returned true, or if a cancel of a fired timer claims success.
     */
    @Test
    void concurrentScheduleAndCancelEndEveryTimerExactlyOnce() throws Exception {
        int threads = 8;
        int perThread = 100_000;
        LongAdder fired = new LongAdder();
        LongAdder cancelled = new LongAdder();
        List<Action[]> all = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();

        try (TimingWheel wheel = new TimingWheel(TIMER_THREADS)) {
            for (int t = 0; t < threads; t++) {
                Action[] actions = new Action[perThread];
                all.add(actions);
                long seed = 1000 + t;
                Thread producer = new Thread(() -> {
                    try {
                        go.await();
                        SplittableRandom random = new SplittableRandom(seed);
                        List<Cancellable> later = new ArrayList<>();
                        List<Action> laterActions = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            Action a = new Action(fired);
                            actions[i] = a;
                            long delay = random.nextLong(TimeUnit.MILLISECONDS.toNanos(50) + 1);
                            Cancellable h = wheel.schedule(Duration.ofNanos(delay), a);
                            if (random.nextBoolean()) {
                                if (random.nextBoolean()) {
                                    cancel(h, a, cancelled); // right away
                                } else {
                                    later.add(h); // races with firing
                                    laterActions.add(a);
                                }
                            }
                        }
                        for (int i = 0; i < later.size(); i++) {
                            cancel(later.get(i), laterActions.get(i), cancelled);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "stress-producer-" + t);
                producers.add(producer);
                producer.start();
            }
            go.countDown();
            for (Thread p : producers) {
                p.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(p.isAlive()).as("producer finished").isFalse();
            }
            assertThat(failure.get()).isNull();

            long scheduled = (long) threads * perThread;
            long expectedFires = scheduled - cancelled.sum();
            awaitCount(fired, expectedFires);

            assertThat(fired.sum() + cancelled.sum()).isEqualTo(scheduled);
            for (Action[] actions : all) {
                for (Action a : actions) {
                    if (a.cancelledByOwner ? a.runs != 0 : a.runs != 1) {
                        fail("cancelled=" + a.cancelledByOwner + " but ran " + a.runs + " times");
                    }
                    assertThat(a.abandons).isZero();
                }
            }
            assertThat(wheel.pendingCount()).isZero();
            assertThat(wheel.shutdown()).isZero();
        }
    }

    /**
     * Fails on a lost wake-up: a schedule that races with the timer thread going to park (with no
     * timer, so without a deadline) must still get its action run. Each thread waits for its
     * timer before scheduling the next, so the timer thread goes idle over and over.
     */
    @Test
    void schedulesRacingWithTheThreadGoingIdleAreNeverStranded() throws Exception {
        int threads = 4;
        int rounds = 500;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> clients = new ArrayList<>();
        try (TimingWheel wheel = new TimingWheel(TIMER_THREADS)) {
            for (int t = 0; t < threads; t++) {
                long seed = 77 + t;
                Thread client = new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    try {
                        for (int i = 0; i < rounds; i++) {
                            CountDownLatch done = new CountDownLatch(1);
                            wheel.schedule(Duration.ofNanos(random.nextLong(1_500_000)), new Task() {
                                @Override
                                public void run() {
                                    done.countDown();
                                }

                                @Override
                                public void abandon(Throwable reason) {
                                }
                            });
                            if (!done.await(10, TimeUnit.SECONDS)) {
                                throw new AssertionError("timer " + i + " stranded");
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "idle-race-client-" + t);
                clients.add(client);
                client.start();
            }
            for (Thread c : clients) {
                c.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(c.isAlive()).as("client finished").isFalse();
            }
            assertThat(failure.get()).isNull();
            assertThat(wheel.pendingCount()).isZero();
        }
    }

    /**
     * Fails if an action scheduled while the timer shuts down is lost (neither run, abandoned nor
     * cancelled), ends twice, or if close() miscounts what it abandoned.
     */
    @Test
    void scheduleAndCancelRacingWithCloseEndEveryActionExactlyOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            raceWithClose(round);
        }
    }

    private void raceWithClose(int round) throws Exception {
        int threads = 4;
        LongAdder fired = new LongAdder();
        LongAdder cancelled = new LongAdder();
        List<List<Action>> all = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch warmedUp = new CountDownLatch(threads);
        List<Thread> producers = new ArrayList<>();
        TimingWheel wheel = new TimingWheel(TIMER_THREADS);

        for (int t = 0; t < threads; t++) {
            List<Action> actions = new ArrayList<>();
            all.add(actions);
            long seed = 31L * round + t;
            Thread producer = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    for (int i = 0; ; i++) {
                        if (i == 10_000) {
                            warmedUp.countDown();
                        }
                        Action a = new Action(fired);
                        actions.add(a);
                        Duration delay = random.nextInt(5) == 0
                                ? Duration.ofHours(1)
                                : Duration.ofNanos(random.nextLong(5_000_000));
                        Cancellable h;
                        try {
                            h = wheel.schedule(delay, a);
                        } catch (RejectedExecutionException e) {
                            a.rejected = true;
                            return;
                        }
                        if (random.nextInt(10) < 3) {
                            cancel(h, a, cancelled);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    warmedUp.countDown();
                }
            }, "close-race-producer-" + t);
            producers.add(producer);
            producer.start();
        }
        assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue();
        int abandonedByClose = wheel.shutdown();
        for (Thread p : producers) {
            p.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(p.isAlive()).as("producer finished").isFalse();
        }
        assertThat(failure.get()).isNull();

        long abandonedPending = 0;
        long rejected = 0;
        for (List<Action> actions : all) {
            assertThat(actions.get(actions.size() - 1).rejected).isTrue();
            for (Action a : actions) {
                int ends = a.runs + a.abandons;
                if (a.cancelledByOwner ? ends != 0 : ends != 1) {
                    fail("round " + round + ": cancelled=" + a.cancelledByOwner + " rejected="
                            + a.rejected + " runs=" + a.runs + " abandons=" + a.abandons);
                }
                if (a.rejected) {
                    rejected++;
                } else if (a.abandons == 1) {
                    abandonedPending++;
                }
            }
        }
        assertThat(rejected).isEqualTo(threads);
        assertThat(abandonedByClose).isEqualTo(abandonedPending);
        assertThat(wheel.pendingCount()).isZero();
    }

    private static void cancel(Cancellable h, Action a, LongAdder cancelled) {
        if (h.cancel()) {
            a.cancelledByOwner = true;
            cancelled.increment();
        }
    }

    /** Waits, with a deadline, until {@code counter} reaches {@code expected}. */
    private static void awaitCount(LongAdder counter, long expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long seen;
        while ((seen = counter.sum()) < expected) {
            if (System.nanoTime() > deadline) {
                fail("only " + seen + " of " + expected + " timers fired within 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(seen).isEqualTo(expected);
    }
}
