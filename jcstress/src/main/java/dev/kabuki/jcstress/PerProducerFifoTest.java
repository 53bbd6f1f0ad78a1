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
 * Per-producer FIFO of {@link ManyToOneMessageQueue}, two producers of 2 messages each and
 * the consumer polling 4 times (no waiting: a poll may return {@code null}); an arbiter then
 * polls the rest. Producer A offers 1 then 2. The other actor is producer B and the consumer
 * at once (an actor sending to itself): it offers 3, polls, offers 4, polls 3 more times.
 *
 * <p>Two actors only: jcstress does not run a test with more actors than CPUs, and CI has 2;
 * a third actor would make the test silently skipped there.
 *
 * <p>Would catch: a producer's second message delivered before its first (for instance if
 * its first node's link could be overtaken, or a poll skipped a node not yet linked), and a
 * message lost or delivered twice.
 *
 * <p>r1: the order in which A's messages were delivered, as digits (12 = 1 then 2); r2: the
 * same for B (34); r3: how many messages the 4 concurrent polls got (0 to 4; informative).
 */
@JCStressTest
@Outcome(id = "12, 34, [0-4]", expect = ACCEPTABLE,
        desc = "every message delivered once, each producer's in its order")
@Outcome(id = {"21, \\d+, \\d+", "\\d+, 43, \\d+"}, expect = FORBIDDEN,
        desc = "a producer's second message delivered before its first")
@Outcome(expect = FORBIDDEN, desc = "a message lost or delivered twice")
@State
public class PerProducerFifoTest {
    private final ManyToOneMessageQueue<Integer> queue = new ManyToOneMessageQueue<>();
    /** The delivery record, written by the consumer actor then the arbiter. */
    private int orderA;
    private int orderB;
    private int polledConcurrently;

    @Actor
    public void producerA() {
        queue.offer(1);
        queue.offer(2);
    }

    @Actor
    public void producerBAndConsumer() {
        queue.offer(3);
        take();
        queue.offer(4);
        take();
        take();
        take();
    }

    /** Runs after both actors: everything is linked by now. */
    @Arbiter
    public void arbiter(III_Result r) {
        r.r3 = polledConcurrently;
        Integer m;
        while ((m = queue.poll()) != null) {
            record(m);
        }
        r.r1 = orderA;
        r.r2 = orderB;
    }

    private void take() {
        Integer m = queue.poll();
        if (m != null) {
            record(m);
            polledConcurrently++;
        }
    }

    private void record(int m) {
        if (m <= 2) {
            orderA = orderA * 10 + m;
        } else {
            orderB = orderB * 10 + m;
        }
    }
}
