package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.actors.AskFixtures.CountingTimer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * An asking thread adds an ask to its {@link ThreadAskDeadlines} while the timer shuts down and
 * abandons the visit an earlier ask requested ({@link ThreadAskDeadlines#abandon}: CLOSED, then
 * a walk that fails every waiting ask). No visit will come, so the new ask must fail: by the
 * walk, or by its asker, whose {@code add} saw CLOSED and threw (the caller then fails the ask).
 *
 * <p>Would catch: the walk reading the tails before storing CLOSED, or the asker reading the
 * state before its append is published: the ask would wait out its whole timeout with no timer
 * left to end it.
 *
 * <p>r1: 1 if the walk failed the new ask; r2: 1 if {@code add} threw.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the walk failed the new ask")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "add saw CLOSED and threw")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "the new ask was left waiting with no timer")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ThreadAskDeadlinesCloseRaceTest {
    private final CountingTimer timer = new CountingTimer();
    private final ThreadAskDeadlines deadlines = new ThreadAskDeadlines(timer);
    private final AskReplyRef<Integer> next = new AskReplyRef<>(AskFixtures.SILENT, timer, Duration.ofMillis(5));

    public ThreadAskDeadlinesCloseRaceTest() {
        deadlines.add(new AskReplyRef<Integer>(AskFixtures.SILENT, timer, Duration.ofMillis(5)), Duration.ofMillis(5));
    }

    @Actor
    public void asker(II_Result r) {
        try {
            deadlines.add(next, Duration.ofMillis(5));
        } catch (RejectedExecutionException closed) {
            r.r2 = 1;
        }
    }

    /** The closing thread, abandoning the pending visit. */
    @Actor
    public void close() {
        deadlines.abandon(new RejectedExecutionException("timer is shut down"));
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = next.isFinished() ? 1 : 0;
    }
}
