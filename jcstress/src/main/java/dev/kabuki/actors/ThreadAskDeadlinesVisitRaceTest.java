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
 * An asking thread adds an ask to its {@link ThreadAskDeadlines} while the timer thread runs
 * the stamping visit an earlier ask requested (the class note's hand-shake). The visit clears
 * the request, then reads the tails; the asker appends, then reads whether a visit is pending.
 * The new ask gets a deadline only if the visit marks it or the asker requests another visit.
 *
 * <p>Would catch: the visit clearing the request after it has read the tails instead of before,
 * the asker reading the request before its append is published, or the append's store not
 * volatile: each lets both sides miss the other, and the ask never times out.
 *
 * <p>r1: visits requested during the race; r2: 1 if the racing visit marked the new ask.
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the visit marked the new ask")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the asker saw no visit pending and requested one")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both (the second visit finds nothing new)")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "the new ask was left without a deadline")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ThreadAskDeadlinesVisitRaceTest {
    private final CountingTimer timer = new CountingTimer();
    private final ThreadAskDeadlines deadlines = new ThreadAskDeadlines(timer);
    private final AskReplyRef<Integer> next = new AskReplyRef<>(null, timer, Duration.ofMillis(5));

    public ThreadAskDeadlinesVisitRaceTest() {
        deadlines.add(new AskReplyRef<Integer>(null, timer, Duration.ofMillis(5)), Duration.ofMillis(5));
        timer.visits.set(0); // that add requested the visit the timer thread runs below
    }

    @Actor
    public void asker() {
        deadlines.add(next, Duration.ofMillis(5));
    }

    /** The timer thread, running the visit requested before. */
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
