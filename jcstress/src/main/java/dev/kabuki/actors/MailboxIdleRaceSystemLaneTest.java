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
 * The idle race of the real {@link Mailbox} on the system lane: as {@link MailboxIdleRaceTest},
 * with a signal sent by {@link Mailbox#offerSystem} (a {@link SystemMessage.Restart}, which the
 * test consumer counts) instead of a message. The activation looks at the system lane when it
 * starts and after each message, and its idle re-check looks at both lanes.
 *
 * <p>Would catch: a signal (stop, child terminated, watch) stranded in an idle mailbox, for
 * instance if {@code goIdle}'s re-check left out the system lane, came before the release, or
 * read the lane's {@code stack} plainly; the mailbox scheduled twice; and the token left taken
 * with nothing scheduled, or scheduled with the token free.
 *
 * <p>r1: signals the activation handled; r2: hand-overs to the dispatcher by the sender; r3: by
 * the activation's own thread (its re-check); r4: the final state.
 */
@JCStressTest
@Outcome(id = "1, 0, 0, IDLE", expect = ACCEPTABLE,
        desc = "the activation handled the signal and went idle; the sender lost the CAS")
@Outcome(id = "1, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the activation handled the signal; the sender's CAS came after the release: "
                + "one more activation, with nothing to do")
@Outcome(id = "0, 1, 0, SCHEDULED", expect = ACCEPTABLE,
        desc = "the signal came after the activation looked; the sender's CAS came after the "
                + "release: the sender schedules the mailbox")
@Outcome(id = "0, 0, 1, SCHEDULED", expect = ACCEPTABLE,
        desc = "the sender's CAS came before the release: the re-check sees the signal and "
                + "schedules the mailbox")
@Outcome(id = "0, 0, 0, \\w+", expect = FORBIDDEN,
        desc = "signal stranded: not handled, and nobody scheduled the mailbox")
@Outcome(id = "\\d+, [1-9], [1-9], \\w+", expect = FORBIDDEN, desc = "scheduled twice")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (the token and the hand-overs disagree)")
@State
public class MailboxIdleRaceSystemLaneTest {
    private final CountingConsumer consumer = new CountingConsumer();
    private final RecordingDispatcher dispatcher = new RecordingDispatcher();
    /** The activation holds the token; both lanes are empty. */
    private final Mailbox<Object> mailbox =
            MailboxFixtures.tokenHeld(consumer, new ManyToOneMessageQueue<>(), dispatcher);

    @Actor
    public void sender() {
        mailbox.offerSystem(SystemMessage.RESTART);
    }

    /** The dispatcher's thread, running the activation it was handed. */
    @Actor
    public void activation() {
        dispatcher.activationThread = Thread.currentThread();
        mailbox.run();
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r1 = consumer.signals;
        r.r2 = dispatcher.bySenders();
        r.r3 = dispatcher.byActivation();
        r.r4 = mailbox.state();
    }
}
