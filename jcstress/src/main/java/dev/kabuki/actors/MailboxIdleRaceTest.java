package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * The idle race of the real {@link Mailbox} on the ordinary lane (its class note, the path of a
 * message, steps 1 and 4): a sender {@link Mailbox#offer offers} a message while the token
 * holder runs an activation ({@link Mailbox#run()}) that may find the queue empty, release the
 * token and re-check. The dispatcher records hand-overs and runs nothing; an arbiter reads what
 * happened.
 *
 * <p>Would catch: a message stranded in an idle mailbox (neither handled by the activation nor
 * the mailbox scheduled again, so nobody will ever handle it), for instance if
 * {@code goIdle} re-checked the queue before releasing the token, or not at all, or if the
 * release or the queue's {@code isEmpty} became weaker than volatile (the hand-shake is a
 * Dekker pattern); the mailbox scheduled twice (two activations at once); and the token left
 * taken with nothing scheduled (the actor wedged) or scheduled with the token free.
 *
 * <p>r1: messages the activation handled; r2: hand-overs to the dispatcher by the sender (it
 * won the token); r3: by the activation's own thread (its re-check won the token, or it
 * re-submitted itself, having found the sender mid-append); r4: the final state.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, IDLE", expect = ACCEPTABLE,
        desc = "the activation handled the message and went idle; the sender lost the CAS")
@Outcome(id = "1, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the activation handled the message; the sender's CAS came after the release: "
                + "one more activation, with nothing to do")
@Outcome(id = "0, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the message came after the activation's last poll; the sender's CAS came after "
                + "the release: the sender schedules the mailbox")
@Outcome(id = "0, 0, 1, SCHEDULED", expect = ACCEPTABLE,
        desc = "the sender's CAS came before the release: the re-check sees the message and "
                + "schedules the mailbox (or the activation found it mid-append and re-submitted)")
@Outcome(id = "0, 0, 0, \\w+", expect = FORBIDDEN,
        desc = "message stranded: not handled, and nobody scheduled the mailbox")
@Outcome(id = "\\d+, [1-9], [1-9], \\w+", expect = FORBIDDEN, desc = "scheduled twice")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (the token and the hand-overs disagree)")
@State
public class MailboxIdleRaceTest {
    private final CountingConsumer consumer = new CountingConsumer();
    private final RecordingDispatcher dispatcher = new RecordingDispatcher();
    /** The activation holds the token; the queue is empty. */
    private final Mailbox<Object> mailbox =
            MailboxFixtures.tokenHeld(consumer, new ManyToOneMessageQueue<>(), dispatcher);

    @Actor
    public void sender() {
        mailbox.offer("m");
    }

    /** The dispatcher's thread, running the activation it was handed. */
    @Actor
    public void activation() {
        dispatcher.activationThread = Thread.currentThread();
        mailbox.run();
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r1 = consumer.handled;
        r.r2 = dispatcher.bySenders();
        r.r3 = dispatcher.byActivation();
        r.r4 = mailbox.state();
    }
}
