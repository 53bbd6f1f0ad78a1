package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.MailboxStatus;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * {@link MailboxStatus#close} races the running consumer going idle. The mailbox starts
 * SCHEDULED (the consumer holds the token) and is taken to have messages left. The closer
 * closes, then tries {@link MailboxStatus#tryClaimDrain}; the consumer calls
 * {@link MailboxStatus#setIdle} and re-checks as in the class note of
 * {@link MailboxStatus}: {@link MailboxStatus#trySchedule} if setIdle said open,
 * {@link MailboxStatus#tryClaimDrain} if it said closed. An arbiter reads the final state.
 *
 * <p>Would catch: {@code setIdle} reporting "open" for a mailbox it saw closed, or losing the
 * CLOSED bit; the token held twice; nobody left holding it (the rest of the mailbox never
 * drained); {@code trySchedule} winning after {@code close}.
 *
 * <p>r1: the state close() saw; r2: the closer's tryClaimDrain won; r3: setIdle's answer
 * (open); r4: the consumer's re-check won the token; r5: the final state.
 */
@JCStressTest
@Outcome(id = "SCHEDULED, false, false, true, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "close before setIdle; the consumer re-claims the token to drain")
@Outcome(id = "SCHEDULED, true, false, false, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "close before setIdle; the closer takes the drain token first")
@Outcome(id = "SCHEDULED, false, true, true, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "setIdle and the consumer's trySchedule before close; the closer's drain loses")
@Outcome(id = "IDLE, true, true, false, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "setIdle, then close before the consumer's trySchedule; the closer drains")
@Outcome(id = "IDLE, \\w+, \\w+, true, \\w+", expect = FORBIDDEN,
        desc = "the consumer's trySchedule won after close saw the mailbox idle")
@Outcome(id = "\\w+, true, \\w+, true, \\w+", expect = FORBIDDEN, desc = "token held twice")
@Outcome(id = "\\w+, false, \\w+, false, \\w+", expect = FORBIDDEN,
        desc = "nobody holds the token of a closed mailbox: nothing drains it")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class CloseWhileRunningTest {
    /** The consumer holds the token (SCHEDULED). */
    private final MailboxStatus status = MailboxStates.scheduled();

    /** Closes the mailbox, then tries to take the token to drain it. */
    @Actor
    public void closer(LLLLL_Result r) {
        r.r1 = status.close();
        r.r2 = status.tryClaimDrain();
    }

    /** The consumer, done with its batch, messages still queued: go idle, then re-check. */
    @Actor
    public void consumer(LLLLL_Result r) {
        boolean open = status.setIdle();
        r.r3 = open;
        r.r4 = open ? status.trySchedule() : status.tryClaimDrain();
    }

    @Arbiter
    public void arbiter(LLLLL_Result r) {
        r.r5 = status.state();
    }
}
