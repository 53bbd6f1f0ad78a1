package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIL_Result;

/**
 * Two senders {@link Mailbox#offer offer} to the same idle real {@link Mailbox} at once
 * (its class note, the path of a message, step 1): exactly one of them hands it to the
 * dispatcher, and both messages wait in the queue for that one activation.
 *
 * <p>Would catch: the mailbox scheduled twice (the actor run on two threads at once, for
 * instance if {@code offer} checked the state and then scheduled instead of taking the token
 * with one CAS) or by nobody (both messages stranded in an idle mailbox); and a message lost by
 * the concurrent appends.
 *
 * <p>r1: hand-overs to the dispatcher; r2: messages waiting in the queue; r3: the final state.
 */
@JCStressTest
@Outcome(id = "1, 2, SCHEDULED", expect = ACCEPTABLE, desc = "one sender scheduled the mailbox")
@Outcome(id = "2, \\d+, \\w+", expect = FORBIDDEN, desc = "scheduled twice")
@Outcome(id = "0, \\d+, \\w+", expect = FORBIDDEN, desc = "nobody scheduled the mailbox: stranded")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (a message lost, the token free)")
@State
public class MailboxScheduleRaceTest {
    private final RecordingDispatcher dispatcher = new RecordingDispatcher();
    /** Idle, never run: the first activation would run the consumer's start. */
    private final Mailbox<Object> mailbox = new Mailbox<>(new CountingConsumer(),
            new ManyToOneMessageQueue<>(), MailboxFixtures.THROUGHPUT, dispatcher);

    @Actor
    public void sender1() {
        mailbox.offer("a");
    }

    @Actor
    public void sender2() {
        mailbox.offer("b");
    }

    @Arbiter
    public void arbiter(IIL_Result r) {
        r.r1 = dispatcher.dispatches();
        r.r2 = mailbox.depth();
        r.r3 = mailbox.state();
    }
}
