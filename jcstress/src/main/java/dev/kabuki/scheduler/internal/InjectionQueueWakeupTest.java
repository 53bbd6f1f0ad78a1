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
 * The no-lost-wake-up handshake between an outside producer and the last searching worker
 * going to park (see {@link IdleWorkers}), on the real {@link InjectionQueue} and
 * {@link IdleWorkers}: the producer pushes, then does what
 * {@link WorkStealingDispatcher#notifyParked()} does (a full fence, then ask for a worker to
 * wake); the worker, the only one and searching, announces itself parked (a volatile
 * read-modify-write), then, being the last searcher, checks the queue.
 *
 * <p>Would catch: the task stranded with every worker parked (the producer saw a searcher, so
 * woke nobody, and the worker saw an empty queue), for instance if the put count were stored
 * with a release store but no fence followed it, or if {@link InjectionQueue#isEmpty()} read
 * the counts with plain or acquire loads: each side's store could then pass its load.
 *
 * <p>r1: the producer picked the parked worker to wake; r2: the worker saw the task.
 */
@JCStressTest
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "both: the worker is woken and also saw the task")
@Outcome(id = "true, false", expect = ACCEPTABLE, desc = "the producer wakes the worker")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the worker saw the task before parking")
@Outcome(id = "false, false", expect = FORBIDDEN, desc = "lost wake-up: the task strands")
@State
public class InjectionQueueWakeupTest {
    private static final Task TASK = new Task() {
        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }
    };

    private final InjectionQueue queue = new InjectionQueue();
    private final IdleWorkers idle = new IdleWorkers(1);

    public InjectionQueueWakeupTest() {
        idle.transitionToSearching();
    }

    @Actor
    public void producer(ZZ_Result r) {
        queue.push(TASK);
        VarHandle.fullFence(); // as WorkStealingDispatcher.notifyParked
        r.r1 = idle.workerToNotify() >= 0;
    }

    @Actor
    public void lastSearcherParks(ZZ_Result r) {
        boolean last = idle.transitionToParked(0, true);
        r.r2 = last && !queue.isEmpty();
    }
}
