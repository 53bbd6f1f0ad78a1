package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.MailboxStatus;
import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The idle race of {@link MailboxStatus} (its class note, and DESIGN.md, the path of a message,
 * steps 2 and 4) on the ordinary lane, a {@link ManyToOneMessageQueue}: a sender appends and
 * tries to take the token while the consumer that holds it goes idle and re-checks the queue.
 *
 * <p>Would catch: a message stranded in an idle mailbox (neither side takes the token, so
 * nobody will ever consume it), for instance if {@code setIdle} became a release store or
 * {@code isEmpty} a plain/acquire read (the handshake is a Dekker pattern, store then load of
 * another variable, which needs volatile/CAS on both sides); and the token taken twice (two
 * consumers at once).
 *
 * <p>r1: the sender took the token; r2: the consumer took it back on its re-check.
 */
@JCStressTest
@Outcome(id = "true, false", expect = ACCEPTABLE,
        desc = "sender's trySchedule came after setIdle: the sender schedules the mailbox")
@Outcome(id = "false, true", expect = ACCEPTABLE,
        desc = "sender's trySchedule came before setIdle: the consumer's re-check sees the message")
@Outcome(id = "false, false", expect = FORBIDDEN,
        desc = "message stranded: nobody holds the token and the queue is not empty")
@Outcome(id = "true, true", expect = FORBIDDEN, desc = "token taken twice")
@State
public class IdleRaceTest {
    /** The consumer holds the token (SCHEDULED), the queue is empty. */
    private final MailboxStatus status = MailboxStates.scheduled();
    private final ManyToOneMessageQueue<Object> queue = new ManyToOneMessageQueue<>();

    /** Sender: append, then try to schedule the mailbox. */
    @Actor
    public void sender(ZZ_Result r) {
        queue.tryOffer("m");
        r.r1 = status.trySchedule();
    }

    /** Consumer (token holder), done with its batch: go idle, then re-check. */
    @Actor
    public void consumer(ZZ_Result r) {
        status.setIdle();
        r.r2 = !queue.isEmpty() && status.trySchedule();
    }
}
