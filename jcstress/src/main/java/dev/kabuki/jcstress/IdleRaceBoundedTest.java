package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.OverflowPolicy;
import dev.kabuki.mailbox.internal.BoundedMessageQueue;
import dev.kabuki.mailbox.internal.MailboxStatus;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * The idle race of {@link MailboxStatus} on a bounded mailbox, a {@link BoundedMessageQueue}
 * of capacity 1: as {@link IdleRaceTest}, with the occupancy CAS in front of the append.
 *
 * <p>Would catch: a message stranded in an idle bounded mailbox (for instance if the bounded
 * queue's {@code isEmpty} were answered from a stale copy of {@code count} instead of the
 * inner queue's volatile tail), the token taken twice, and an empty queue of capacity 1
 * rejecting a message.
 *
 * <p>r1: the offer was accepted; r2: the sender took the token; r3: the consumer took it back
 * on its re-check.
 */
@JCStressTest
@Outcome(id = "true, true, false", expect = ACCEPTABLE,
        desc = "sender's trySchedule came after setIdle: the sender schedules the mailbox")
@Outcome(id = "true, false, true", expect = ACCEPTABLE,
        desc = "sender's trySchedule came before setIdle: the consumer's re-check sees the message")
@Outcome(id = "true, false, false", expect = FORBIDDEN,
        desc = "message stranded: nobody holds the token and the queue is not empty")
@Outcome(id = "true, true, true", expect = FORBIDDEN, desc = "token taken twice")
@Outcome(expect = FORBIDDEN, desc = "an empty queue of capacity 1 rejected the message")
@State
public class IdleRaceBoundedTest {
    /** The consumer holds the token (SCHEDULED), the queue is empty. */
    private final MailboxStatus status = MailboxStates.scheduled();
    private final BoundedMessageQueue<Object> queue =
            new BoundedMessageQueue<>(1, OverflowPolicy.FAIL);

    /** Sender: append (if accepted), then try to schedule the mailbox. */
    @Actor
    public void sender(ZZZ_Result r) {
        r.r1 = queue.tryOffer("m");
        r.r2 = r.r1 && status.trySchedule();
    }

    /** Consumer (token holder): go idle, then re-check. */
    @Actor
    public void consumer(ZZZ_Result r) {
        status.setIdle();
        r.r3 = !queue.isEmpty() && status.trySchedule();
    }
}
