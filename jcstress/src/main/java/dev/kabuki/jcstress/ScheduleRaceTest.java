package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.MailboxStatus;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Two senders race {@link MailboxStatus#trySchedule} on an IDLE mailbox: exactly one takes the
 * token.
 *
 * <p>Would catch: the token taken twice (the actor run on two threads at once, for instance
 * if {@code trySchedule} became a read-then-write instead of a CAS) or by nobody (a message
 * left unscheduled, for instance a CAS that fails spuriously without retry, as a weak CAS
 * would).
 *
 * <p>r1: sender 1 took the token; r2: sender 2 took it.
 */
@JCStressTest
@Outcome(id = "true, false", expect = ACCEPTABLE, desc = "sender 1 took the token")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "sender 2 took the token")
@Outcome(id = "true, true", expect = FORBIDDEN, desc = "token taken twice")
@Outcome(id = "false, false", expect = FORBIDDEN, desc = "nobody took the token of an IDLE mailbox")
@State
public class ScheduleRaceTest {
    private final MailboxStatus status = new MailboxStatus();

    @Actor
    public void sender1(ZZ_Result r) {
        r.r1 = status.trySchedule();
    }

    @Actor
    public void sender2(ZZ_Result r) {
        r.r2 = status.trySchedule();
    }
}
