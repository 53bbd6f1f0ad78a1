package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The no-lost-wake-up handshake between a worker that queues a task on its own
 * {@link LocalRunQueue} and another worker that parks <em>without</em> having searched, while
 * nobody searches (see {@link IdleWorkers} and {@code Worker.park}), on the real queue and idle
 * state of two workers, both unparked: the producer pushes, then does what
 * {@link WorkStealingDispatcher#notifyParked()} does (a full fence, then ask for a parked
 * worker to wake); the other worker announces itself parked (a volatile read-modify-write),
 * then, seeing no searcher, checks the queue.
 *
 * <p>Would catch: the task left behind a worker that may be stuck in its current task, with the
 * other worker parked (the producer saw both workers unparked, so there was no one to wake, and
 * the parker saw an empty queue), for instance if the parking worker re-checked only when it
 * was the last searcher, or if the queue's tail were read with a plain load.
 *
 * <p>r1: the producer picked the parked worker to wake; r2: the parker saw the task.
 */
@JCStressTest
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "both: the parker is woken and also saw the task")
@Outcome(id = "true, false", expect = ACCEPTABLE, desc = "the producer wakes the parker")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the parker saw the task as it parked")
@Outcome(id = "false, false", expect = FORBIDDEN, desc = "lost wake-up: the task waits behind its producer")
@State
public class NonSearcherParkWakeupTest {
    private static final Task TASK = new LifoSlotDisplaceTest.IdTask(1);

    private final LocalRunQueue queue = new LocalRunQueue();
    private final InjectionQueue overflow = new InjectionQueue();
    private final IdleWorkers idle = new IdleWorkers(2);

    @Actor
    public void producer(ZZ_Result r) {
        queue.pushBack(TASK, overflow);
        VarHandle.fullFence(); // as WorkStealingDispatcher.notifyParked
        r.r1 = idle.workerToNotify() >= 0;
    }

    @Actor
    public void nonSearcherParks(ZZ_Result r) {
        boolean last = idle.transitionToParked(1, false);
        r.r2 = (last || idle.searchingCount() == 0) && !queue.isEmpty(); // as Worker.park
    }
}
