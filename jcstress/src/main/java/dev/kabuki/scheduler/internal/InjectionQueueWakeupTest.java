package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The no-lost-wake-up handshake between an outside producer and the last searching worker
 * going to park (see {@link IdleWorkers}), on the real {@link InjectionQueue} and
 * {@link IdleWorkers}: the producer pushes, then does what
 * {@code WorkStealingDispatcher.notifyParkedAfterPush} does (ask for a worker to wake, with no
 * fence of its own: the push ends in a sequentially consistent atomic add to the put count);
 * the worker, the only one and searching, announces itself parked (a volatile
 * read-modify-write), then, being the last searcher, checks the queue.
 *
 * <p>Would catch: the task stranded with every worker parked (the producer saw a searcher, so
 * woke nobody, and the worker saw an empty queue), for instance if the push published its count
 * with a release store (a store the producer's later load of the idle state may pass), or if
 * {@link InjectionQueue#isEmpty()} read the counts with plain or acquire loads.
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
        queue.push(TASK); // no fence after it: as WorkStealingDispatcher.notifyParkedAfterPush
        r.r1 = idle.workerToNotify() >= 0;
    }

    @Actor
    public void lastSearcherParks(ZZ_Result r) {
        boolean last = idle.transitionToParked(0, true);
        r.r2 = last && !queue.isEmpty();
    }
}
