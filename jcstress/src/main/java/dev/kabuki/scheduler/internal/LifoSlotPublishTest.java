package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The owner puts a task into its empty {@link LifoSlot} (the release-store path) and then takes
 * from it, while a stealer takes: the task is taken exactly once, and a stealer that takes it
 * sees the fields written before the put.
 *
 * <p>Would catch: the task taken twice or lost (for instance if the owner's take became a plain
 * read-then-clear, or a stealer could write a task), and a stealer seeing an unpublished task
 * (the put made a plain store instead of a release store).
 *
 * <p>r1: the owner took it (1) or not (0); r2: the stealer took it (1) or not (0); r3: the
 * payload the stealer read from the task it took (42), or 42 when it took none.
 */
@JCStressTest
@Outcome(id = "1, 0, 42", expect = ACCEPTABLE, desc = "the owner ran its own task")
@Outcome(id = "0, 1, 42", expect = ACCEPTABLE, desc = "stolen, fully published")
@Outcome(id = "0, 1, 0", expect = FORBIDDEN, desc = "stolen before its fields were visible")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "taken twice")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "lost")
@State
public class LifoSlotPublishTest {
    private final LifoSlot slot = new LifoSlot();

    @Actor
    public void owner(III_Result r) {
        PayloadTask t = new PayloadTask();
        t.payload = 42;
        slot.put(t);
        r.r1 = slot.take() != null ? 1 : 0;
    }

    @Actor
    public void stealer(III_Result r) {
        Task t = slot.take();
        r.r2 = t != null ? 1 : 0;
        r.r3 = t != null ? ((PayloadTask) t).payload : 42;
    }

    static final class PayloadTask implements Task {
        int payload;

        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }
    }
}
