package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * A sender races the close of the real {@link Mailbox} (its class note, the path of a message,
 * step 5). The activation holds the token and finds a {@link SystemMessage.Stop} on the system
 * lane: the consumer terminates, so the activation closes the mailbox, drains both lanes to
 * dead letters and releases the token, then drains again whatever came meanwhile
 * ({@code drainIfClosed}). Meanwhile a sender {@link Mailbox#offer offers} a message: it may
 * find the mailbox closed ({@code CLOSED}: its caller dead-letters the message), or append it
 * and, finding the mailbox closed after its CAS lost, drain it itself. An arbiter reads the
 * counts.
 *
 * <p>Would catch: a message appended to a closing mailbox and never dead-lettered (lost: for
 * instance if {@code drainIfClosed} did not loop, or was left out, so a message appended after
 * the closing drain stays in a closed mailbox forever); a message dead-lettered twice (two
 * drains at once); {@code offer} answering {@code CLOSED} for a message it appended; a closed
 * mailbox scheduled again (for instance if the activation released the token before closing);
 * and the drain token left taken.
 *
 * <p>r1: what {@code offer} answered; r2: messages handled (none: signals come first); r3:
 * messages dead-lettered by the mailbox; r4: hand-overs to the dispatcher; r5: the final state.
 */
@JCStressTest
@Outcome(id = "CLOSED, 0, 0, 0, CLOSED", expect = ACCEPTABLE,
        desc = "offer found the mailbox closed: its caller dead-letters the message")
@Outcome(id = "DELIVERED, 0, 1, 0, CLOSED", expect = ACCEPTABLE,
        desc = "appended before or during the close: dead-lettered once, by the closing "
                + "activation's drain or by the sender's")
@Outcome(id = "DELIVERED, 0, 0, 0, \\w+", expect = FORBIDDEN,
        desc = "message lost: appended, neither handled nor dead-lettered")
@Outcome(id = "\\w+, \\d+, [2-9], \\d+, \\w+", expect = FORBIDDEN, desc = "dead-lettered twice")
@Outcome(id = "\\w+, \\d+, \\d+, [1-9], \\w+", expect = FORBIDDEN,
        desc = "a terminated actor's mailbox scheduled again")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class MailboxCloseRaceTest {
    private final CountingConsumer consumer = new CountingConsumer();
    private final RecordingDispatcher dispatcher = new RecordingDispatcher();
    private final Mailbox<Object> mailbox = stopPending();

    /** The activation holds the token; a Stop waits on the system lane (sent while it held it). */
    private Mailbox<Object> stopPending() {
        Mailbox<Object> m = MailboxFixtures.tokenHeld(consumer, new ManyToOneMessageQueue<>(),
                dispatcher);
        m.offerSystem(SystemMessage.STOP);
        return m;
    }

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
        r.r3 = consumer.deadLetters();
        r.r4 = dispatcher.dispatches();
        r.r5 = mailbox.state();
    }
}
