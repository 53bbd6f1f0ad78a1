package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The timeouts of {@code ctx.ask}, which the asking actor keeps itself ({@link AskDeadlines}):
 * each ask times out at its own deadline whatever the mix of timeouts, replies and time-outs
 * reach the asker exactly once, completed asks do not pile up, and a restart or a stop of the
 * asker loses no timeout.
 */
class AskDeadlinesTest {

    sealed interface Msg {}

    /** Ask {@code target} {@code count} times with {@code timeout}, tagging the asks from {@code first}. */
    record AskIt(ActorRef<Req> target, Duration timeout, int first, int count) implements Msg {}

    record Answer(int tag, Object value, Throwable failure) implements Msg {}

    record Fail() implements Msg {}

    record CountKept(CompletableFuture<Integer> out) implements Msg {}

    record Req(int tag, ActorRef<Integer> replyTo) {}

    /** An asker that records every outcome; "Fail" makes it throw (restart or stop per options). */
    static ActorRef<Msg> asker(ActorSystem system, String name, List<Answer> answers, ActorOptions options) {
        return system.spawnActor(name, () -> (ctx, msg) -> {
            switch (msg) {
                case AskIt a -> {
                    for (int i = 0; i < a.count(); i++) {
                        final int tag = a.first() + i;
                        ctx.<Req, Integer>ask(a.target(), r -> new Req(tag, r), a.timeout(),
                                (v, e) -> new Answer(tag, v, e));
                    }
                }
                case Answer an -> answers.add(an);
                case Fail f -> throw new IllegalStateException("asker fails on purpose");
                case CountKept c -> c.out().complete(((ActorCell<?>) ctx).askDeadlineCount());
            }
        }, options);
    }

    static List<Integer> timedOutTags(List<Answer> answers) {
        List<Integer> tags = new ArrayList<>();
        for (Answer a : answers) {
            assertThat(a.failure()).isInstanceOf(TaskTimeoutException.class);
            tags.add(a.tag());
        }
        return tags;
    }

    /**
     * Fails if asks whose entry the shut timer refused at the batch's end are left waiting for
     * good, or if the asker stops running: it keeps working, and stopping it must fail each of
     * them (their outcomes, addressed to the stopped asker, go to dead letters).
     */
    @Test
    void asksWhoseEntryTheShutTimerRefusesFailWhenTheAskerStops() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-shut")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            List<Answer> answers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> asker = asker(system, "asker", answers, ActorOptions.defaults());
            system.runUntilIdle();
            ((dev.kabuki.scheduler.internal.ManualTimer) system.timer()).shutdown();
            asker.tell(new AskIt(silent, Duration.ofSeconds(1), 1, 3));
            system.runUntilIdle(); // the batch's end: its stamp's entry is refused
            CompletableFuture<Integer> kept = new CompletableFuture<>();
            asker.tell(new CountKept(kept));
            system.runUntilIdle();
            assertThat(kept).as("the asker still runs, its asks still kept").isCompletedWithValue(3);
            assertThat(answers).isEmpty();
            long deadBefore = system.deadLetters().count();
            system.stop(asker);
            system.runUntilIdle();
            assertThat(system.deadLetters().count() - deadBefore).as("the three failed asks' outcomes").isEqualTo(3);
        }
    }

    @Test
    void asksWithDifferentTimeoutsEachTimeOutAtTheirOwnDeadlineOnTheManualClock() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-manual")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            List<Answer> answers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> asker = asker(system, "asker", answers, ActorOptions.defaults());
            // t = 0: 10 s (tag 1), 5 s (tag 2), 20 s (tag 3); six more distinct timeouts than
            // the asker keeps lanes for (tags 10..15: 1..6 s + 500 ms) use the shared timer.
            asker.tell(new AskIt(silent, Duration.ofSeconds(10), 1, 1));
            asker.tell(new AskIt(silent, Duration.ofSeconds(5), 2, 1));
            asker.tell(new AskIt(silent, Duration.ofSeconds(20), 3, 1));
            for (int i = 0; i < 6; i++) {
                asker.tell(new AskIt(silent, Duration.ofMillis(1500 + 1000L * i), 10 + i, 1));
            }
            system.runUntilIdle();
            system.advanceTime(Duration.ofSeconds(2)); // t = 2: tag 10 (1.5 s)
            assertThat(timedOutTags(answers)).containsExactly(10);
            asker.tell(new AskIt(silent, Duration.ofSeconds(5), 4, 1)); // deadline t = 7
            system.runUntilIdle();
            system.advanceTime(Duration.ofMillis(2999)); // t = 4.999
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13);
            system.advanceTime(Duration.ofMillis(1)); // t = 5
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13, 2);
            system.advanceTime(Duration.ofMillis(1999)); // t = 6.999
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13, 2, 14, 15);
            system.advanceTime(Duration.ofMillis(1)); // t = 7
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13, 2, 14, 15, 4);
            system.advanceTime(Duration.ofSeconds(3)); // t = 10
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13, 2, 14, 15, 4, 1);
            system.advanceTime(Duration.ofSeconds(10)); // t = 20
            assertThat(timedOutTags(answers)).containsExactly(10, 11, 12, 13, 2, 14, 15, 4, 1, 3);
            assertThat(answers.get(0).failure()).hasMessageContaining("/user/silent").hasMessageContaining("Req")
                    .hasMessageContaining("timed out");
        }
    }

    @Test
    void aTimeoutTooLongForNanosecondsDoesNotFireEarly() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-long")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            List<Answer> answers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> asker = asker(system, "asker", answers, ActorOptions.defaults());
            system.advanceTime(Duration.ofSeconds(1)); // the clock plus the next timeout overflows
            asker.tell(new AskIt(silent, Duration.ofSeconds(Long.MAX_VALUE), 1, 1));
            asker.tell(new AskIt(silent, Duration.ofNanos(Long.MAX_VALUE - 10), 2, 1));
            asker.tell(new AskIt(silent, Duration.ofSeconds(1), 3, 1));
            var fromOutside = silent.<Integer>ask(r -> new Req(4, r), Duration.ofSeconds(Long.MAX_VALUE));
            system.runUntilIdle();
            system.advanceTime(Duration.ofDays(365));
            assertThat(fromOutside.isFinished()).isFalse();
            assertThat(timedOutTags(answers)).containsExactly(3);
            CompletableFuture<Integer> kept = new CompletableFuture<>();
            asker.tell(new CountKept(kept));
            system.runUntilIdle();
            assertThat(kept).isCompletedWithValue(2); // asks 1 and 2 still wait
        }
    }

    /**
     * The asks of one batch get their deadlines from one clock read at the batch's end. Here a
     * batch (at t = 1) first sends an ask that fails at once (to a stopped actor), the first
     * unstamped one of its lane, then 100 that wait, which compacts the lane with that failed
     * ask in it; a batch at t = 6 starts an empty lane with an ask that fails at once. Would
     * catch the unstamped run losing its start when completed asks are unlinked (asks left without a deadline time out at the first expiry, at t = 5, or never)
     * and an ask stamped at the wrong time.
     */
    @Test
    void asksOfOneBatchGetTheirDeadlineAtItsEndThroughUnlinksAndCompactions() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-batch")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            ActorRef<Req> gone = system.spawnActor("gone", () -> (ctx, m) -> { });
            system.stop(gone);
            List<Answer> answers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> asker = asker(system, "asker", answers, ActorOptions.defaults());
            asker.tell(new AskIt(silent, Duration.ofSeconds(5), 0, 1)); // t = 0: deadline t = 5
            system.runUntilIdle();
            system.advanceTime(Duration.ofSeconds(1));
            asker.tell(new AskIt(gone, Duration.ofSeconds(5), 1000, 1)); // one batch at t = 1
            asker.tell(new AskIt(silent, Duration.ofSeconds(5), 1, 100));
            system.runUntilIdle();
            assertThat(answers).singleElement().satisfies(a -> {
                assertThat(a.tag()).isEqualTo(1000);
                assertThat(a.failure()).isInstanceOf(ActorTerminatedException.class);
            });
            answers.clear();
            system.advanceTime(Duration.ofSeconds(4)); // t = 5
            assertThat(timedOutTags(answers)).containsExactly(0);
            system.advanceTime(Duration.ofMillis(999)); // t = 5.999
            assertThat(timedOutTags(answers)).containsExactly(0);
            system.advanceTime(Duration.ofMillis(1)); // t = 6
            List<Integer> expected = new ArrayList<>();
            expected.add(0);
            for (int i = 1; i <= 100; i++) {
                expected.add(i);
            }
            assertThat(timedOutTags(answers)).containsExactlyElementsOf(expected);
            // The lane is empty; a batch at t = 6 starts with an ask that fails at once, which
            // the next ask's add unlinks: the run of unstamped asks then starts after it.
            answers.clear();
            asker.tell(new AskIt(gone, Duration.ofSeconds(5), 2000, 1));
            asker.tell(new AskIt(silent, Duration.ofSeconds(5), 200, 1));
            system.runUntilIdle();
            answers.clear();
            system.advanceTime(Duration.ofMillis(4999)); // t = 10.999
            assertThat(answers).isEmpty();
            system.advanceTime(Duration.ofMillis(1)); // t = 11
            assertThat(timedOutTags(answers)).containsExactly(200);
            CompletableFuture<Integer> kept = new CompletableFuture<>();
            asker.tell(new CountKept(kept));
            system.runUntilIdle();
            assertThat(kept).isCompletedWithValue(0);
        }
    }

    @Test
    void aRestartOfTheAskerKeepsItsAsksTimeoutsAndAStoppedAskersAsksStillTimeOut() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-restart")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build()) {
            ActorRef<Req> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
            List<Answer> restartedAnswers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> restarting = asker(system, "restarting", restartedAnswers, ActorOptions.defaults()
                    .supervision(SupervisorStrategy.restart(10, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO)));
            List<Answer> stoppedAnswers = new CopyOnWriteArrayList<>();
            ActorRef<Msg> stopping = asker(system, "stopping", stoppedAnswers, ActorOptions.defaults()
                    .supervision(SupervisorStrategy.stop()));
            List<DeadLetter> dead = new CopyOnWriteArrayList<>();
            system.deadLetters().subscribe(dead::add);
            restarting.tell(new AskIt(silent, Duration.ofSeconds(10), 1, 3));
            stopping.tell(new AskIt(silent, Duration.ofSeconds(10), 1, 3));
            system.runUntilIdle();
            system.advanceTime(Duration.ofSeconds(1));
            restarting.tell(new Fail());
            stopping.tell(new Fail());
            system.runUntilIdle();
            system.advanceTime(Duration.ofSeconds(9)); // t = 10
            assertThat(timedOutTags(restartedAnswers)).containsExactly(1, 2, 3); // the fresh instance
            assertThat(stoppedAnswers).isEmpty();
            // The stopped asker's three asks timed out on the shared timer, and their outcomes,
            // addressed to a stopped actor, are dead letters.
            assertThat(dead).filteredOn(d -> d.message() instanceof InternalMessage.Piped<?, ?>).hasSize(3);
            assertThat(((ActorCell<?>) silent).pendingAskCount()).isLessThanOrEqualTo(6);
        }
    }

    @Test
    void completedAsksDoNotPileUpBehindOneThatWaits() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-bound").build()) {
            ActorRef<Req> echo = system.spawnActor("echo", () -> (ctx, m) -> {
                if (m.tag() != 0) {
                    m.replyTo().tell(m.tag()); // tag 0 waits for its timeout
                }
            });
            int n = 200_000;
            int window = 100;
            CompletableFuture<Integer> kept = new CompletableFuture<>();
            // One ask that waits, then a window of 100 asks in flight: each reply sends the next.
            system.spawnActor("asker", () -> new Actor<Msg>() {
                int sent;
                int answered;

                @Override
                public void onStart(ActorContext<Msg> ctx) {
                    ctx.<Req, Integer>ask(echo, r -> new Req(0, r), Duration.ofMinutes(5), (v, e) -> new Answer(0, v, e));
                    for (int i = 0; i < window; i++) {
                        next(ctx);
                    }
                }

                void next(ActorContext<Msg> ctx) {
                    final int tag = ++sent;
                    ctx.<Req, Integer>ask(echo, r -> new Req(tag, r), Duration.ofMinutes(5), (v, e) -> new Answer(tag, v, e));
                }

                @Override
                public void receive(ActorContext<Msg> ctx, Msg msg) {
                    if (msg instanceof Answer a && a.failure() == null && ++answered < n) {
                        if (sent < n) {
                            next(ctx);
                        }
                    } else if (answered == n) {
                        kept.complete(((ActorCell<?>) ctx).askDeadlineCount());
                    }
                }
            });
            // Ask 0 still waits at the head of its lane; the 200,000 behind it have completed,
            // and the lane keeps at most about twice the asks in flight.
            assertThat(kept.get(60, TimeUnit.SECONDS)).isBetween(1, 4 * window + AskDeadlines.MIN_COMPACT);
        }
    }

    /**
     * Replies and timeouts race: echo actors on the other worker reply at once to most asks,
     * drop every tenth, and the 1 ms timeout expires some of the others before their reply; each
     * ask reaches its asker exactly once, as a reply or a time-out, and every dropped one times out.
     */
    @Test
    void repliesRacingTimeoutsReachTheAskerExactlyOnce() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("deadlines-race").workerThreads(4).build()) {
            int askers = 4;
            int perAsker = 20_000;
            int total = askers * perAsker;
            AtomicIntegerArray seen = new AtomicIntegerArray(total);
            AtomicIntegerArray timedOut = new AtomicIntegerArray(total);
            CountDownLatch done = new CountDownLatch(total);
            List<ActorRef<Msg>> refs = new ArrayList<>();
            for (int a = 0; a < askers; a++) {
                ActorRef<Req> echo = system.spawnActor("echo-" + a, () -> (ctx, m) -> {
                    if (m.tag() % 10 != 3) {
                        m.replyTo().tell(m.tag());
                    }
                });
                refs.add(system.spawnActor("asker-" + a, () -> (ctx, msg) -> {
                    switch (msg) {
                        case AskIt it -> {
                            for (int i = 0; i < it.count(); i++) {
                                final int tag = it.first() + i;
                                ctx.<Req, Integer>ask(it.target(), r -> new Req(tag, r), it.timeout(),
                                        (v, e) -> new Answer(tag, v, e));
                            }
                        }
                        case Answer an -> {
                            seen.incrementAndGet(an.tag());
                            if (an.failure() instanceof TaskTimeoutException) {
                                timedOut.incrementAndGet(an.tag());
                            } else {
                                assertThat(an.value()).isEqualTo(an.tag());
                            }
                            done.countDown();
                        }
                        case CountKept c -> c.out().complete(((ActorCell<?>) ctx).askDeadlineCount());
                        default -> { }
                    }
                }));
                for (int b = 0; b < perAsker / 500; b++) {
                    refs.get(a).tell(new AskIt(echo, Duration.ofMillis(1), a * perAsker + b * 500, 500));
                }
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("every ask answered").isTrue();
            int timeouts = 0;
            for (int t = 0; t < total; t++) {
                assertThat(seen.get(t)).as("outcomes of ask %d", t).isEqualTo(1);
                if (t % 10 == 3) {
                    assertThat(timedOut.get(t)).as("dropped ask %d timed out", t).isEqualTo(1);
                }
                timeouts += timedOut.get(t);
            }
            assertThat(timeouts).isGreaterThanOrEqualTo(total / 10);
            // No outcome arrives twice, even late: give a straggler the chance to show up.
            CompletableFuture<Integer> kept = new CompletableFuture<>();
            refs.get(0).tell(new CountKept(kept));
            kept.get(30, TimeUnit.SECONDS);
            for (int t = 0; t < total; t++) {
                assertThat(seen.get(t)).isEqualTo(1);
            }
        }
    }
}
