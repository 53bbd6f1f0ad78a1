package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The timeouts of asks sent from outside an actor, which the asking thread keeps
 * ({@link ThreadAskDeadlines}) and the timer thread stamps and expires: each ask times out at
 * its own deadline (never before its timeout has passed since it was sent, even when stamped
 * late) whatever the mix of timeouts, an ask sent while the timer thread is visiting is never
 * left without a timeout, completed asks are let go, asks after the timer shut fail, and replies
 * racing time-outs complete each ask once.
 */
class ThreadAskDeadlinesTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration TEN_MS = Duration.ofMillis(10);

    /** A timer whose actions the test runs by hand, on a clock the test sets. */
    static final class HandTimer implements Timer {
        record Scheduled(long delayNanos, Task action) {}

        final List<Scheduled> scheduled = new ArrayList<>();
        long now;

        @Override
        public Cancellable schedule(Duration delay, Task action) {
            scheduled.add(new Scheduled(delay.toNanos(), action));
            return () -> true;
        }

        @Override
        public long nanoTime() {
            return now;
        }

        long visits() {
            return scheduled.stream().filter(e -> e.delayNanos() == 0).count();
        }

        long entries() {
            return scheduled.size() - visits();
        }

        /** The delay of the expiry entry armed last. */
        long lastEntryDelay() {
            return scheduled.stream().filter(e -> e.delayNanos() > 0).reduce((a, b) -> b).orElseThrow().delayNanos();
        }

        /** Runs the most recent action scheduled with a zero delay (a visit) or a positive one (an expiry). */
        void runLatest(boolean visit) {
            for (int i = scheduled.size() - 1; i >= 0; i--) {
                if ((scheduled.get(i).delayNanos() == 0) == visit) {
                    scheduled.get(i).action().run();
                    return;
                }
            }
            throw new AssertionError("nothing scheduled of that kind: " + scheduled);
        }
    }

    /**
     * A thread's deadlines on a {@link HandTimer}, and a silent target on a paused current-thread
     * system: the asks' time-outs complete in its {@code runUntilIdle}.
     */
    record Rig(ActorSystem system, ActorRef<Req> silent, HandTimer timer, ThreadAskDeadlines deadlines)
            implements AutoCloseable {
        static Rig of(String name) {
            ActorSystem system = ActorSystem.builder().threadNamePrefix(name)
                    .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build();
            HandTimer timer = new HandTimer();
            return new Rig(system, system.spawnActor("silent", () -> (ctx, m) -> { }), timer,
                    new ThreadAskDeadlines(timer));
        }

        @Override
        public void close() {
            system.close();
        }
    }

    private static AskReplyRef<Integer> newAsk(ActorRef<Req> target, Duration timeout) {
        AskReplyRef<Integer> ask = new AskReplyRef<>((ActorCell<?>) target, null, timeout);
        ask.message = new Req(0, null); // for the failure messages only
        return ask;
    }

    /**
     * Fails if the visit stamps with a clock reading taken before the asks it marks (an ask would
     * time out early), if more than one visit is requested while one is pending, or if an
     * expiry times out an ask of a later segment or leaves one of a due segment waiting.
     */
    @Test
    void aVisitStampsTheAsksSentBeforeItsClockReadingAndTheirSegmentsExpireInOrder() {
        try (Rig rig = Rig.of("visit-stamps")) {
            ActorSystem system = rig.system();
            ActorRef<Req> silent = rig.silent();
            HandTimer timer = rig.timer();
            ThreadAskDeadlines deadlines = rig.deadlines();
            List<AskReplyRef<Integer>> asks = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // t = 0
                asks.add(newAsk(silent, TEN_MS));
                assertThat(deadlines.add(asks.get(i), TEN_MS)).isTrue();
            }
            assertThat(timer.visits()).as("one visit for the three").isEqualTo(1);
            assertThat(deadlines.visitRequested()).isTrue();
            timer.now = 400_000; // the visit runs late
            timer.runLatest(true);
            assertThat(deadlines.markDeadlines()).isDeepEqualTo(new long[][] {{10_400_000}});
            assertThat(timer.lastEntryDelay()).isEqualTo(10_000_000L);
            assertThat(timer.visits()).as("it found asks: it scheduled the next visit itself").isEqualTo(2);
            assertThat(deadlines.visitRequested()).isTrue();
            timer.now = 500_000;
            for (int i = 3; i < 5; i++) {
                asks.add(newAsk(silent, TEN_MS));
                deadlines.add(asks.get(i), TEN_MS);
            }
            assertThat(timer.visits()).as("the asker requested none: one is pending").isEqualTo(2);
            timer.now = 900_000;
            timer.runLatest(true);
            assertThat(deadlines.markDeadlines()).isDeepEqualTo(new long[][] {{10_400_000, 10_900_000}});
            assertThat(timer.entries()).as("no second entry: the armed one is earlier").isEqualTo(1);
            timer.now = 1_900_000;
            timer.runLatest(true); // finds nothing new: withdraws the request
            assertThat(timer.visits()).isEqualTo(3);
            assertThat(deadlines.visitRequested()).isFalse();
            assertThat(deadlines.markDeadlines()).isDeepEqualTo(new long[][] {{10_400_000, 10_900_000}});

            timer.now = 10_399_999; // 10 ms after the first three were sent, but before their mark
            timer.runLatest(false);
            system.runUntilIdle();
            assertThat(asks).noneMatch(AskReplyRef::isFinished);
            timer.now = 10_400_000;
            timer.runLatest(false);
            system.runUntilIdle();
            assertThat(asks).extracting(AskReplyRef::isFinished).containsExactly(true, true, true, false, false);
            assertThatThrownBy(asks.get(0)::join).isInstanceOf(TaskTimeoutException.class)
                    .hasMessageContaining("/user/silent").hasMessageContaining("timed out");
            long entries = timer.entries();
            timer.now = 10_900_000;
            timer.runLatest(false);
            system.runUntilIdle();
            assertThat(asks).allMatch(AskReplyRef::isFinished);
            assertThat(deadlines.markDeadlines()).isDeepEqualTo(new long[][] {{}});
            assertThat(timer.entries()).as("nothing waits: no entry armed").isEqualTo(entries);
        }
    }

    /**
     * Fails if a lane with a shorter timeout, started after the entry was armed for a longer
     * one, does not get an earlier entry (its asks would time out late by the difference).
     */
    @Test
    void aShorterTimeoutAddedLaterArmsAnEarlierEntry() {
        try (Rig rig = Rig.of("visit-lanes")) {
            ActorSystem system = rig.system();
            ActorRef<Req> silent = rig.silent();
            HandTimer timer = rig.timer();
            ThreadAskDeadlines deadlines = rig.deadlines();
            AskReplyRef<Integer> slow = newAsk(silent, Duration.ofSeconds(5));
            deadlines.add(slow, Duration.ofSeconds(5));
            timer.runLatest(true);
            AskReplyRef<Integer> fast = newAsk(silent, TEN_MS);
            deadlines.add(fast, TEN_MS);
            timer.runLatest(true);
            assertThat(deadlines.markDeadlines()).isDeepEqualTo(new long[][] {{5_000_000_000L}, {10_000_000}});
            assertThat(timer.lastEntryDelay()).isEqualTo(10_000_000L);
            timer.now = 10_000_000;
            timer.runLatest(false);
            system.runUntilIdle();
            assertThat(fast.isFinished()).isTrue();
            assertThat(slow.isFinished()).isFalse();
            assertThat(timer.lastEntryDelay()).as("re-armed for the slow lane").isEqualTo(4_990_000_000L);
        }
    }

    /**
     * Fails if the tidy keeps completed asks linked (a thread asking on would grow its lanes
     * without bound), drops a mark whose segment still has a waiting ask (that ask would never
     * time out), or keeps the marks of segments with nothing waiting.
     */
    @Test
    void tidyingLetsCompletedAsksGoAndKeepsTheMarksOfWhatWaits() {
        try (Rig rig = Rig.of("visit-tidy")) {
            ActorSystem system = rig.system();
            ActorRef<Req> silent = rig.silent();
            HandTimer timer = rig.timer();
            ThreadAskDeadlines deadlines = rig.deadlines();
            List<AskReplyRef<Integer>> waiting = new ArrayList<>();
            int rounds = 3 * ThreadAskDeadlines.MIN_TIDY / 100 + 1;
            for (int r = 0; r < rounds; r++) {
                timer.now = r * 1_000L;
                for (int i = 0; i < 100; i++) {
                    int n = r * 100 + i;
                    AskReplyRef<Integer> ask = newAsk(silent, TEN_MS);
                    deadlines.add(ask, TEN_MS);
                    if (n % 1000 == 0) {
                        waiting.add(ask);
                    } else {
                        ask.complete(n);
                    }
                }
                timer.runLatest(true);
            }
            // The last tidy came with the last visit (its appends reached 3 * MIN_TIDY).
            assertThat(deadlines.linkedAsks()).as("the waiting asks and the lane's last").isEqualTo(waiting.size() + 1);
            assertThat(deadlines.markDeadlines()[0]).as("one mark per segment that waits").hasSize(waiting.size());
            timer.now = rounds * 1_000L + TEN_MS.toNanos();
            timer.runLatest(false);
            system.runUntilIdle();
            assertThat(waiting).allMatch(AskReplyRef::isFinished);
            for (AskReplyRef<Integer> ask : waiting) {
                assertThatThrownBy(ask::join).isInstanceOf(TaskTimeoutException.class);
            }
            assertThat(deadlines.linkedAsks()).as("only the lane's last").isEqualTo(1);
        }
    }

    /**
     * Fails if a tidy takes the ask an expiry has just timed out (its completion still on its
     * way through the dispatcher, so not yet finished) for a waiting one: it would move the
     * next segment's mark back onto it, the next expiry would walk past it looking for its
     * segment's end, and time out the asks of later segments early.
     */
    @Test
    void anAskTimedOutButNotYetCompletedNeverHoldsAMarkForALaterSegment() {
        try (Rig rig = Rig.of("visit-spent")) {
            HandTimer timer = rig.timer();
            ThreadAskDeadlines deadlines = rig.deadlines();
            AskReplyRef<Integer> first = newAsk(rig.silent(), TEN_MS);
            deadlines.add(first, TEN_MS);
            timer.runLatest(true); // mark at 10 ms
            AskReplyRef<Integer> later = newAsk(rig.silent(), TEN_MS);
            // Inside blockOn the dispatcher queues what the expiries hand off: first stays
            // timed out but not finished through the tidy.
            rig.system().blockOn(() -> {
                timer.now = 10_000_000;
                timer.runLatest(false);
                assertThat(first.isFinished()).isFalse();
                timer.now = 11_000_000;
                for (int i = 0; i < 2; i++) {
                    AskReplyRef<Integer> answered = newAsk(rig.silent(), TEN_MS);
                    deadlines.add(answered, TEN_MS);
                    answered.complete(i);
                }
                timer.runLatest(true); // mark at 21 ms
                deadlines.tidy();
                timer.now = 12_000_000;
                deadlines.add(later, TEN_MS);
                timer.runLatest(true); // mark at 22 ms
                timer.now = 21_000_000;
                timer.runLatest(false);
                return null;
            });
            rig.system().runUntilIdle();
            assertThat(first.isFinished()).isTrue();
            assertThat(later.isFinished()).as("the ask of the 22 ms mark, at 21 ms").isFalse();
            timer.now = 22_000_000;
            timer.runLatest(false);
            rig.system().runUntilIdle();
            assertThat(later.isFinished()).isTrue();
        }
    }

    /**
     * Fails if the timer's shut-down leaves a waiting ask waiting, or if a later ask is taken in
     * (no visit would come for it) instead of refused.
     */
    @Test
    void onceTheTimerShutWaitingAsksFailAndLaterAddsAreRefused() {
        try (Rig rig = Rig.of("visit-closed")) {
            ActorSystem system = rig.system();
            ActorRef<Req> silent = rig.silent();
            HandTimer timer = rig.timer();
            ThreadAskDeadlines deadlines = rig.deadlines();
            AskReplyRef<Integer> before = newAsk(silent, TEN_MS);
            deadlines.add(before, TEN_MS);
            timer.scheduled.get(0).action().abandon(new RejectedExecutionException("timer is shut down"));
            assertThatThrownBy(before::join).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(RejectedExecutionException.class).hasMessageContaining("shut down");
            AskReplyRef<Integer> after = newAsk(silent, TEN_MS);
            assertThatThrownBy(() -> deadlines.add(after, TEN_MS)).isInstanceOf(RejectedExecutionException.class);
            assertThat(timer.visits()).isEqualTo(1);
        }
    }

    /** Fails if a thread that asked before the system closed can ask afterwards and get a live handle. */
    @Test
    void aThreadThatAskedBeforeTheSystemClosedGetsFailedHandlesAfter() {
        ActorSystem other = ActorSystem.builder().threadNamePrefix("asked-then-closed").workerThreads(1).build();
        ActorRef<Req> echo = other.spawnActor("echo", () -> (ctx, m) -> m.replyTo().tell(m.tag()));
        JoinHandle<Integer> first = echo.ask(r -> new Req(4, r), LONG);
        assertThat(first.join(LONG)).isEqualTo(4);
        other.close();
        JoinHandle<Integer> late = echo.ask(r -> new Req(5, r), LONG);
        assertThatThrownBy(() -> late.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().hasMessageContaining("/user/echo").hasMessageContaining("shut");
    }

    record Req(int tag, ActorRef<Integer> replyTo) {}

    private static boolean timedOut(JoinHandle<Integer> h) {
        if (!h.isFinished()) {
            return false;
        }
        assertThatThrownBy(h::join).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("/user/silent").hasMessageContaining("with Req").hasMessageContaining("timed out");
        return true;
    }

    private static List<Integer> timedOutTags(List<JoinHandle<Integer>> asks) {
        List<Integer> tags = new ArrayList<>();
        for (int i = 0; i < asks.size(); i++) {
            if (timedOut(asks.get(i))) {
                tags.add(i);
            }
        }
        return tags;
    }

    @Test
    void asksWithDifferentTimeoutsEachTimeOutAtTheirOwnDeadlineOnTheManualClock() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("thread-deadlines")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            List<JoinHandle<Integer>> asks = new ArrayList<>();
            // t = 0: asks 0..2 with 10 s, 5 s and 20 s; asks 3..8 with six more distinct
            // timeouts (1.5 s .. 6.5 s) than the thread keeps lanes for: one lane is left
            // (1.5 s), the rest use the shared timer.
            for (Duration d : List.of(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(20))) {
                asks.add(silent.ask(r -> new Req(0, r), d));
            }
            for (int i = 0; i < 6; i++) {
                asks.add(silent.ask(r -> new Req(0, r), Duration.ofMillis(1500 + 1000L * i)));
            }
            system.runUntilIdle();
            system.advanceTime(Duration.ofSeconds(2)); // t = 2: ask 3 (1.5 s)
            assertThat(timedOutTags(asks)).containsExactly(3);
            asks.add(silent.ask(r -> new Req(0, r), Duration.ofSeconds(5))); // ask 9: deadline t = 7
            system.runUntilIdle();
            system.advanceTime(Duration.ofMillis(2999)); // t = 4.999
            assertThat(timedOutTags(asks)).containsExactly(3, 4, 5, 6);
            system.advanceTime(Duration.ofMillis(1)); // t = 5
            assertThat(timedOutTags(asks)).containsExactly(1, 3, 4, 5, 6);
            system.advanceTime(Duration.ofMillis(1999)); // t = 6.999
            assertThat(timedOutTags(asks)).containsExactly(1, 3, 4, 5, 6, 7, 8);
            system.advanceTime(Duration.ofMillis(1)); // t = 7
            assertThat(timedOutTags(asks)).containsExactly(1, 3, 4, 5, 6, 7, 8, 9);
            system.advanceTime(Duration.ofMillis(2999)); // t = 9.999
            assertThat(timedOutTags(asks)).containsExactly(1, 3, 4, 5, 6, 7, 8, 9);
            system.advanceTime(Duration.ofMillis(1)); // t = 10
            assertThat(timedOutTags(asks)).containsExactly(0, 1, 3, 4, 5, 6, 7, 8, 9);
            system.advanceTime(Duration.ofSeconds(10)); // t = 20
            assertThat(timedOutTags(asks)).hasSize(10);
            // Nothing waits any more: the thread's entry is not re-armed.
            assertThat(system.metrics().pendingTimers()).isZero();
        }
    }

    /**
     * Fails if an ask sent while the timer thread walks and disarms its thread's entry is left
     * with no timeout (its join would wait out the 30 s), or if any ask times out before its
     * timeout has elapsed. Each thread asks one at a time and waits for the time-out, so every
     * ask arms the entry again just as the last firing disarms it; every third round adds an ask
     * with a shorter timeout, which must arm an earlier entry.
     */
    @Test
    void everyAskTimesOutNeverEarlyWhileTheEntryIsArmedAndDisarmedUnderIt() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("thread-deadlines-arm").workerThreads(2).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            int threads = 4;
            int rounds = 300;
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            List<Thread> askers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    for (int i = 0; i < rounds && problems.isEmpty(); i++) {
                        long sent = System.nanoTime();
                        JoinHandle<Integer> slow = silent.ask(r -> new Req(0, r), Duration.ofMillis(3));
                        JoinHandle<Integer> fast = i % 3 == 0 ? silent.ask(r -> new Req(1, r), Duration.ofMillis(1)) : null;
                        for (JoinHandle<Integer> h : fast == null ? List.of(slow) : List.of(fast, slow)) {
                            long timeoutNanos = h == fast ? 1_000_000 : 3_000_000;
                            try {
                                h.join(LONG);
                                problems.add("ask answered by a silent actor");
                            } catch (TaskTimeoutException expected) {
                                long took = System.nanoTime() - sent;
                                if (took < timeoutNanos) {
                                    problems.add("timed out after " + took + " ns, before its " + timeoutNanos);
                                }
                            } catch (JoinTimeoutException lost) {
                                problems.add("no time-out within 30 s: the ask was left without a timeout");
                            } catch (Exception other) {
                                problems.add("unexpected " + other);
                            }
                        }
                    }
                }, "thread-asker-" + t);
                th.start();
                askers.add(th);
            }
            for (Thread th : askers) {
                th.join(120_000);
                assertThat(th.isAlive()).isFalse();
            }
            assertThat(problems).isEmpty();
        }
    }

    /**
     * Replies and timeouts race: an echo on a worker replies at once to most asks and drops
     * every tenth; 4 plain threads each keep 200 asks with 1 ms timeouts in flight. Each ask
     * completes once, a dropped one by a time-out, and nothing is left waiting.
     */
    @Test
    void repliesRacingTimeoutsCompleteEachAskOnceAndDroppedOnesTimeOut() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("thread-deadlines-race").workerThreads(2).build()) {
            ActorRef<Req> echo = system.spawnActor("echo", () -> (ctx, m) -> {
                if (m.tag() % 10 != 3) {
                    m.replyTo().tell(m.tag());
                }
            });
            int threads = 4;
            int perThread = 20_000;
            int total = threads * perThread;
            AtomicIntegerArray outcomes = new AtomicIntegerArray(total);
            AtomicIntegerArray timeouts = new AtomicIntegerArray(total);
            CountDownLatch done = new CountDownLatch(total);
            List<Thread> askers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                Thread th = new Thread(() -> {
                    Semaphore window = new Semaphore(200);
                    for (int i = base; i < base + perThread; i++) {
                        window.acquireUninterruptibly();
                        final int tag = i;
                        JoinHandle<Integer> h = echo.ask(r -> new Req(tag, r), Duration.ofMillis(1));
                        h.whenComplete((v, e) -> {
                            outcomes.incrementAndGet(tag);
                            if (e instanceof TaskTimeoutException
                                    || (e instanceof TaskFailedException f && f.getCause() instanceof TaskTimeoutException)) {
                                timeouts.incrementAndGet(tag);
                            } else if (e != null || v != tag) {
                                outcomes.addAndGet(tag, 100); // a wrong outcome
                            }
                            window.release();
                            done.countDown();
                        });
                    }
                }, "racing-asker-" + t);
                th.start();
                askers.add(th);
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("every ask completed").isTrue();
            for (Thread th : askers) {
                th.join(30_000);
            }
            int timedOut = 0;
            for (int i = 0; i < total; i++) {
                assertThat(outcomes.get(i)).as("outcomes of ask %d", i).isEqualTo(1);
                if (i % 10 == 3) {
                    assertThat(timeouts.get(i)).as("dropped ask %d timed out", i).isEqualTo(1);
                }
                timedOut += timeouts.get(i);
            }
            assertThat(timedOut).isGreaterThanOrEqualTo(total / 10);
        }
    }
}
