package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.MailboxStatus;
import dev.kabuki.mailbox.internal.SystemMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The idle race of {@link MailboxStatus} on the system-signal lane, a
 * {@link SystemMessageQueue}: as {@link IdleRaceTest}, with {@code push} as the append (its
 * CAS on {@code stack}) and the lane's {@code isEmpty} (a volatile read of {@code stack}) in
 * the consumer's re-check.
 *
 * <p>Would catch: a stop/watch signal stranded in an idle mailbox (for instance if
 * {@code isEmpty} read {@code stack} plainly or {@code setIdle} became a release store), and
 * the token taken twice.
 *
 * <p>r1: the sender took the token; r2: the consumer took it back on its re-check.
 */
@JCStressTest
@Outcome(id = "true, false", expect = ACCEPTABLE,
        desc = "sender's trySchedule came after setIdle: the sender schedules the mailbox")
@Outcome(id = "false, true", expect = ACCEPTABLE,
        desc = "sender's trySchedule came before setIdle: the consumer's re-check sees the signal")
@Outcome(id = "false, false", expect = FORBIDDEN,
        desc = "signal stranded: nobody holds the token and the lane is not empty")
@Outcome(id = "true, true", expect = FORBIDDEN, desc = "token taken twice")
@State
public class IdleRaceSystemLaneTest {
    /** The consumer holds the token (SCHEDULED), the lane is empty. */
    private final MailboxStatus status = MailboxStates.scheduled();
    private final SystemMessageQueue<Object> lane = new SystemMessageQueue<>();

    /** Sender of a system signal: push, then try to schedule the mailbox. */
    @Actor
    public void sender(ZZ_Result r) {
        lane.push("stop");
        r.r1 = status.trySchedule();
    }

    /** Consumer (token holder): go idle, then re-check the lane. */
    @Actor
    public void consumer(ZZ_Result r) {
        status.setIdle();
        r.r2 = !lane.isEmpty() && status.trySchedule();
    }
}
