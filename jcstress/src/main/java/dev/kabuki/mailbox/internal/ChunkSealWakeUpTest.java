package dev.kabuki.mailbox.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A {@link ManyToOneMessageQueue} chunk's claim against the consumer's seal, inside the idle
 * hand-shake. The queue makes chunks from depth 0, 4 slots each; the state starts with one
 * chunk whose only message the consumer has taken, so the chunk is the tail and the consumer
 * has caught up with it. The producer offers 1 (a claim of slot 1, or, if the consumer sealed
 * first, a new node behind the chunk) and then reads the idle flag; the consumer polls once
 * (which seals the chunk if it finds slot 1 unclaimed), raises the flag (a volatile write, as
 * {@link MailboxStatus#setIdle} does) and asks {@code isEmpty()}. The arbiter drains the rest.
 *
 * <p>Would catch: a message lost between claim and seal (both CASes succeeding from one
 * {@code claimed} value), a claimed slot never read, a message delivered twice, a size that
 * does not come back to 0 (a new node's {@code seq} taken from a sealed chunk's wrong end), and
 * the lost wake-up: the consumer seeing an empty queue after raising the flag while the
 * producer, having appended, read the flag down. That happens if the seal or the claim were
 * not a volatile write, or if {@code isEmpty} did not read the chunk's {@code claimed}.
 *
 * <p>r1: what the consumer's poll got (1, or -1 for null); r2: its {@code isEmpty} (1 = true);
 * r3: the producer saw the flag (1); r4: messages delivered in all, plus 100 if the drained
 * queue's size is not 0 or it is not empty.
 */
@JCStressTest
@Outcome(id = {"1, 1, [01], 1", "-1, 0, [01], 1", "-1, 1, 1, 1"}, expect = ACCEPTABLE,
        desc = "delivered once; the consumer saw it, or knew it was coming, or the producer saw the flag")
@Outcome(id = "-1, 1, 0, 1", expect = FORBIDDEN,
        desc = "lost wake-up: consumer saw empty after the flag, producer appended and saw no flag")
@Outcome(expect = FORBIDDEN, desc = "message lost or delivered twice, or size wrong once drained")
@State
public class ChunkSealWakeUpTest {
    private static final VarHandle FLAG;

    static {
        try {
            FLAG = MethodHandles.lookup().findVarHandle(ChunkSealWakeUpTest.class, "flag", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ManyToOneMessageQueue<Integer> queue = ManyToOneMessageQueue.shaped(0, 4);
    @SuppressWarnings("unused") // accessed through FLAG
    private int flag;
    private boolean consumerGotIt;

    public ChunkSealWakeUpTest() {
        queue.offer(0);
        if (queue.poll() != 0) {
            throw new AssertionError("set-up");
        }
    }

    @Actor
    public void producer(IIII_Result r) {
        queue.offer(1);
        r.r3 = (int) FLAG.getVolatile(this);
    }

    @Actor
    public void consumer(IIII_Result r) {
        Integer m = queue.poll();
        consumerGotIt = m != null;
        r.r1 = m == null ? -1 : m;
        FLAG.setVolatile(this, 1);
        r.r2 = queue.isEmpty() ? 1 : 0;
    }

    /** Runs after both actors: everything is linked and written by now. */
    @Arbiter
    public void arbiter(IIII_Result r) {
        int delivered = consumerGotIt ? 1 : 0;
        while (queue.poll() != null) {
            delivered++;
        }
        r.r4 = delivered + (queue.size() != 0 || !queue.isEmpty() ? 100 : 0);
    }
}
