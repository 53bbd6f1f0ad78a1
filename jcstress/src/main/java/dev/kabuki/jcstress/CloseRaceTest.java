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
 * {@link MailboxStatus#close} races a sender on an IDLE mailbox. The closer closes, then tries
 * to take the token to drain the mailbox ({@link MailboxStatus#tryClaimDrain}); the sender
 * runs the sender side of the protocol in the class note of {@link MailboxStatus}:
 * {@link MailboxStatus#trySchedule}, and if that loses on a closed mailbox,
 * {@link MailboxStatus#tryClaimDrain}. An arbiter reads the final state.
 *
 * <p>Two actors only: jcstress does not run a test with more actors than CPUs, and CI has 2.
 *
 * <p>Would catch: {@code trySchedule} winning after {@code close} (close() saw IDLE, yet the
 * sender scheduled: a closed mailbox scheduled again); the token held twice (two of the three
 * attempts won); nobody holding it (the mailbox closed, nothing drains what is left in it);
 * and a final state other than CLOSED_SCHEDULED (close lost the SCHEDULED bit, or the
 * SCHEDULED bit without a winner).
 *
 * <p>r1: the state close() saw before it closed; r2: the closer's tryClaimDrain won; r3: the
 * sender's trySchedule won; r4: the sender's tryClaimDrain won; r5: the final state.
 */
@JCStressTest
@Outcome(id = "SCHEDULED, false, true, false, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "trySchedule before close: the sender holds the token, the closer's drain loses")
@Outcome(id = "IDLE, true, false, false, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "close before trySchedule; the closer takes the drain token")
@Outcome(id = "IDLE, false, false, true, CLOSED_SCHEDULED", expect = ACCEPTABLE,
        desc = "close before trySchedule; the sender takes the drain token")
@Outcome(id = "IDLE, \\w+, true, \\w+, \\w+", expect = FORBIDDEN,
        desc = "trySchedule won after close: a closed mailbox scheduled")
@Outcome(id = {"\\w+, true, true, \\w+, \\w+", "\\w+, true, \\w+, true, \\w+",
        "\\w+, \\w+, true, true, \\w+"}, expect = FORBIDDEN, desc = "token held twice")
@Outcome(id = "\\w+, false, false, false, \\w+", expect = FORBIDDEN,
        desc = "nobody holds the token of a closed mailbox: nothing drains it")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class CloseRaceTest {
    private final MailboxStatus status = new MailboxStatus();

    /** Closes the mailbox, then tries to take the token to drain it. */
    @Actor
    public void closer(LLLLL_Result r) {
        r.r1 = status.close();
        r.r2 = status.tryClaimDrain();
    }

    /** A sender: schedule, or drain if the mailbox turned out closed. */
    @Actor
    public void sender(LLLLL_Result r) {
        boolean scheduled = status.trySchedule();
        r.r3 = scheduled;
        r.r4 = !scheduled && status.isClosed() && status.tryClaimDrain();
    }

    @Arbiter
    public void arbiter(LLLLL_Result r) {
        r.r5 = status.state();
    }
}
