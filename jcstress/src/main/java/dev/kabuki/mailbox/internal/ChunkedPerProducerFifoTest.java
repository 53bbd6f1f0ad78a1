package dev.kabuki.mailbox.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Per-producer FIFO of a {@link ManyToOneMessageQueue} made of chunks only (from depth 0) of 2
 * slots each, so that 4 messages fill one chunk, overflow into a second and a third, and the
 * consumer's polls race claims, chunk boundaries and seals. Producer A offers 1 then 2; the
 * other actor is producer B and the consumer at once: it offers 3, polls, offers 4, polls 3
 * more times (a poll may return {@code null}). The arbiter polls the rest.
 *
 * <p>Would catch: a producer's second message delivered before its first (a chunk given a
 * successor while a slot of it could still be claimed, or a poll skipping an unwritten
 * claimed slot), a message lost or delivered twice, and a size that does not come back to 0.
 *
 * <p>r1: the order in which A's messages were delivered, as digits (12 = 1 then 2); r2: the
 * same for B (34); r3: 0 if the drained queue has size 0 and is empty, else 1.
 */
@JCStressTest
@Outcome(id = "12, 34, 0", expect = ACCEPTABLE,
        desc = "every message delivered once, each producer's in its order")
@Outcome(id = {"21, \\d+, \\d+", "\\d+, 43, \\d+"}, expect = FORBIDDEN,
        desc = "a producer's second message delivered before its first")
@Outcome(expect = FORBIDDEN, desc = "a message lost or delivered twice, or size wrong once drained")
@State
public class ChunkedPerProducerFifoTest {
    private final ManyToOneMessageQueue<Integer> queue = ManyToOneMessageQueue.shaped(0, 2);
    private int orderA;
    private int orderB;

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

    /** Runs after both actors: everything is linked and written by now. */
    @Arbiter
    public void arbiter(III_Result r) {
        Integer m;
        while ((m = queue.poll()) != null) {
            record(m);
        }
        r.r1 = orderA;
        r.r2 = orderB;
        r.r3 = queue.size() == 0 && queue.isEmpty() ? 0 : 1;
    }

    private void take() {
        Integer m = queue.poll();
        if (m != null) {
            record(m);
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
