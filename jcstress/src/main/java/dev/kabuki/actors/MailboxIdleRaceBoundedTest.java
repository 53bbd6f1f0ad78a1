package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.OverflowPolicy;
import dev.kabuki.mailbox.internal.BoundedMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * The idle race of the real {@link Mailbox} with a bounded ordinary lane, a
 * {@link BoundedMessageQueue} of capacity 1: as {@link MailboxIdleRaceTest}, with the
 * occupancy CAS in front of the append and the place freed by the activation's poll.
 *
 * <p>Would catch: a message stranded in an idle bounded mailbox (for instance if the bounded
 * queue's {@code isEmpty} answered from a stale occupancy count instead of the inner queue's
 * volatile tail, or {@code goIdle} re-checked before releasing the token or not at all); the
 * mailbox scheduled twice; the token left taken with nothing scheduled; and an empty mailbox of
 * capacity 1 refusing the message ({@code FULL}).
 *
 * <p>r1: what {@code offer} answered; r2: messages the activation handled; r3: hand-overs to
 * the dispatcher by the sender; r4: by the activation's own thread (its re-check, or a
 * re-submission); r5: the final state.
 */
@JCStressTest
@Outcome(id = "DELIVERED, 1, 0, 0, IDLE", expect = ACCEPTABLE,
        desc = "the activation handled the message and went idle; the sender lost the CAS")
@Outcome(id = "DELIVERED, 1, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the activation handled the message; the sender's CAS came after the release: "
                + "one more activation, with nothing to do")
@Outcome(id = "DELIVERED, 0, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the message came after the activation's last poll; the sender's CAS came after "
                + "the release: the sender schedules the mailbox")
@Outcome(id = "DELIVERED, 0, 0, 1, SCHEDULED", expect = ACCEPTABLE,
        desc = "the sender's CAS came before the release: the re-check sees the message and "
                + "schedules the mailbox (or the activation found it mid-append and re-submitted)")
@Outcome(id = "DELIVERED, 0, 0, 0, \\w+", expect = FORBIDDEN,
        desc = "message stranded: not handled, and nobody scheduled the mailbox")
@Outcome(id = "\\w+, \\d+, [1-9], [1-9], \\w+", expect = FORBIDDEN, desc = "scheduled twice")
@Outcome(id = "FULL, .*", expect = FORBIDDEN,
        desc = "an empty mailbox of capacity 1 refused the message")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (the token and the hand-overs disagree)")
@State
public class MailboxIdleRaceBoundedTest {
    private final CountingConsumer consumer = new CountingConsumer();
    private final RecordingDispatcher dispatcher = new RecordingDispatcher();
    /** The activation holds the token; the queue (capacity 1) is empty. */
    private final Mailbox<Object> mailbox = MailboxFixtures.tokenHeld(consumer,
            new BoundedMessageQueue<>(1, OverflowPolicy.FAIL), dispatcher);

    @Actor
    public void sender(LLLLL_Result r) {
        r.r1 = mailbox.offer("m");
    }

    /** The dispatcher's thread, running the activation it was handed. */
    @Actor
    public void activation() {
        dispatcher.activationThread = Thread.currentThread();
        mailbox.run();
    }

    @Arbiter
    public void arbiter(LLLLL_Result r) {
        r.r2 = consumer.handled;
        r.r3 = dispatcher.bySenders();
        r.r4 = dispatcher.byActivation();
        r.r5 = mailbox.state();
    }
}
