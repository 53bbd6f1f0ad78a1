package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Publication through the real {@link InjectionQueue} across a chunk boundary: the queue starts
 * with its first chunk full and fully taken, so the producer's push opens a new chunk (a plain
 * link store and a plain slot store, then the release store of the put count) while a worker
 * polls (acquire load of the put count, then the link and the slot, with plain loads). The
 * task carries a plain field written before the push.
 *
 * <p>Would catch: the put count published before the slot or the link (or with a plain store,
 * or read with a plain load), so that a consumer which sees the count follows a null link
 * (-1) or takes a null slot as the task (both polls then come back with nothing), or sees the
 * task without its field (0).
 *
 * <p>r1: what the worker's poll got; r2: what a poll by the arbiter, after both actors, got.
 * Each is the task's field (42, or 0 if its write was not visible), -1 for a null link under
 * a covering count, -2 for nothing.
 */
@JCStressTest
@Outcome(id = "42, -2", expect = ACCEPTABLE, desc = "the worker took the task and saw its field")
@Outcome(id = "-2, 42", expect = ACCEPTABLE, desc = "the worker polled before the push was published")
@Outcome(id = "-2, -2", expect = FORBIDDEN, desc = "task lost: a null slot taken as the task")
@Outcome(id = {"0, .*", ".*, 0"}, expect = FORBIDDEN, desc = "the task taken without its field visible")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "the count covered a link not yet visible")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class InjectionQueuePublicationTest {
    /** A task with a plain field, written before the push. */
    static final class Payload implements Task {
        int value;

        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }
    }

    private static final Task FILLER = new Payload();

    private final InjectionQueue queue = new InjectionQueue();

    public InjectionQueuePublicationTest() {
        for (int i = 0; i < InjectionQueue.CHUNK_SIZE; i++) {
            queue.push(FILLER);
        }
        for (int i = 0; i < InjectionQueue.CHUNK_SIZE; i++) {
            queue.poll();
        }
    }

    @Actor
    public void producer() {
        Payload p = new Payload();
        p.value = 42;
        queue.push(p);
    }

    @Actor
    public void worker(II_Result r) {
        r.r1 = take();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = take();
    }

    private int take() {
        Task t;
        try {
            t = queue.poll();
        } catch (NullPointerException e) { // the link to the new chunk not yet visible
            return -1;
        }
        return t == null ? -2 : t instanceof Payload p && p != FILLER ? p.value : -3;
    }
}
