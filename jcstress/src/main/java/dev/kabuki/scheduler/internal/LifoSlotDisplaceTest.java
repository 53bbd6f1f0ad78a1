package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The slot holds task 1; the owner puts task 2 (displacing whatever is still there) and then
 * takes, while a stealer takes. Tasks 1 and 2 each end in exactly one hand: the owner's
 * displaced task, the owner's take, or the stealer's take.
 *
 * <p>Would catch: a displaced task that was stolen at the same moment handed out twice, or a
 * task lost between the owner's emptiness check and its store (for instance if the owner
 * release-stored into a slot a stealer had not emptied).
 *
 * <p>r1: the task the owner's put displaced (0 none); r2: what the owner's take got; r3: what
 * the stealer's take got.
 */
@JCStressTest
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "no steal")
@Outcome(id = "0, 2, 1", expect = ACCEPTABLE, desc = "task 1 stolen before the put")
@Outcome(id = "1, 0, 2", expect = ACCEPTABLE, desc = "task 2 stolen after the put")
@Outcome(expect = FORBIDDEN, desc = "a task lost or taken twice")
@State
public class LifoSlotDisplaceTest {
    private static final Task ONE = new IdTask(1);
    private static final Task TWO = new IdTask(2);
    private final LifoSlot slot = new LifoSlot();

    public LifoSlotDisplaceTest() {
        slot.put(ONE);
    }

    @Actor
    public void owner(III_Result r) {
        r.r1 = id(slot.put(TWO));
        r.r2 = id(slot.take());
    }

    @Actor
    public void stealer(III_Result r) {
        r.r3 = id(slot.take());
    }

    private static int id(Task t) {
        return t == null ? 0 : ((IdTask) t).id;
    }

    record IdTask(int id) implements Task {
        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }
    }
}
