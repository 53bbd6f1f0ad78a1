package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The timeouts of asks sent from outside an actor, which the asking thread keeps
 * ({@link ThreadAskDeadlines}) and the timer thread expires: each ask times out at its own
 * deadline (never before) whatever the mix of timeouts, an ask sent while the timer thread is
 * disarming is never left without a timeout, and replies racing time-outs complete each ask once.
 */
class ThreadAskDeadlinesTest {
    private static final Duration LONG = Duration.ofSeconds(30);

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
