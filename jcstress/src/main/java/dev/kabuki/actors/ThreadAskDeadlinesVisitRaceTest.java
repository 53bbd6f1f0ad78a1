package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.actors.AskFixtures.CountingTimer;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * An asking thread adds an ask to its {@link ThreadAskDeadlines} while the timer thread runs a
 * stamping visit that has nothing new to mark unless it sees that ask (the class note's
 * hand-shake): before the race, a first visit marked the lane's one ask and scheduled this one.
 * The visit either sees the new ask (marks it, schedules the next visit) or withdraws the
 * request and looks again; the asker appends, then reads whether a visit is pending. The new ask
 * gets a deadline only if the visit marks it or someone schedules another visit.
 *
 * <p>Would catch: the visit withdrawing the request after its second look instead of before,
 * the asker reading the request before its append is published, or the append's store not
 * volatile: each lets both sides miss the other, and the ask never times out.
 *
 * <p>r1: visits scheduled during the race (by the asker, or by the visit for its successor);
 * r2: 1 if the racing visit marked the new ask.
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the visit's second look marked the new ask")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the asker saw no visit pending and requested one")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the visit marked it and scheduled the next, or both sides acted")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "the new ask was left without a deadline")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ThreadAskDeadlinesVisitRaceTest {
    private final CountingTimer timer = new CountingTimer();
    private final ThreadAskDeadlines deadlines = new ThreadAskDeadlines(timer);
    private final AskReplyRef<Integer> next = new AskReplyRef<>(null, timer, Duration.ofMillis(5));

    public ThreadAskDeadlinesVisitRaceTest() {
        deadlines.add(new AskReplyRef<Integer>(null, timer, Duration.ofMillis(5)), Duration.ofMillis(5));
        deadlines.visit(); // marks it and schedules the visit the timer thread runs below
        timer.visits.set(0);
    }

    @Actor
    public void asker() {
        deadlines.add(next, Duration.ofMillis(5));
    }

    /** The timer thread, running the visit scheduled before. */
    @Actor
    public void visit() {
        deadlines.visit();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = timer.visits.get();
        r.r2 = deadlines.lastMarked(0) == next ? 1 : 0;
    }
}
