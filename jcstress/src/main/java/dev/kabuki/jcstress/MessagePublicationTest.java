package dev.kabuki.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Publication of a message through {@link ManyToOneMessageQueue}: the producer builds a
 * message whose fields are plain (neither final nor volatile), set after construction, and
 * offers it; the consumer polls once (no loop: the message may not be linked yet) and reads
 * the fields. An arbiter then polls what the consumer did not get.
 *
 * <p>Would catch: the consumer seeing the message with default (unset) fields, which happens
 * if the queue's link ({@code next}) were written with a plain store instead of a release
 * store, read with a plain load instead of an acquire load, or linked before the node's value
 * is set; and a message lost or duplicated by the poll (the total delivered is not exactly 1).
 *
 * <p>r1, r2: the fields the consumer read, or -1, -1 if its poll returned {@code null}; r3:
 * messages delivered in total (the consumer's poll plus the arbiter's).
 */
@JCStressTest
@Outcome(id = "-1, -1, 1", expect = ACCEPTABLE,
        desc = "not linked yet when the consumer polled; delivered later, once")
@Outcome(id = "42, 4242, 1", expect = ACCEPTABLE, desc = "consumer saw the fully built message")
@Outcome(id = {"0, 0, \\d+", "0, 4242, \\d+", "42, 0, \\d+"}, expect = FORBIDDEN,
        desc = "consumer saw the message with default (unset) fields")
@Outcome(expect = FORBIDDEN, desc = "message lost or delivered twice")
@State
public class MessagePublicationTest {
    private final ManyToOneMessageQueue<Message> queue = new ManyToOneMessageQueue<>();
    /** Written by the consumer actor, read by the arbiter (ordered by the harness). */
    private boolean consumerGotIt;

    /** A message with plain, mutable fields. */
    static final class Message {
        int a;
        int b;
    }

    @Actor
    public void producer() {
        Message m = new Message();
        m.a = 42;
        m.b = 4242;
        queue.offer(m);
    }

    @Actor
    public void consumer(III_Result r) {
        Message m = queue.poll();
        if (m == null) {
            r.r1 = -1;
            r.r2 = -1;
        } else {
            consumerGotIt = true;
            r.r1 = m.a;
            r.r2 = m.b;
        }
    }

    /** Runs after both actors: the message is linked by now. */
    @Arbiter
    public void arbiter(III_Result r) {
        int delivered = consumerGotIt ? 1 : 0;
        while (queue.poll() != null) {
            delivered++;
        }
        r.r3 = delivered;
    }
}
