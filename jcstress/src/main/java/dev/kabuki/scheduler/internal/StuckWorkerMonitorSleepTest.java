package dev.kabuki.scheduler.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The handshake between the stuck-worker monitor going to sleep and a worker leaving the parked
 * set (see {@link StuckWorkerMonitor}), on the real {@link StuckWorkerMonitor} and
 * {@link IdleWorkers}: the only worker is parked; a notifier picks it to wake (the idle state's
 * read-modify-write) and then, as {@link WorkStealingDispatcher#notifyParked()} does, wakes the
 * monitor if it sleeps; the monitor announces its sleep and checks that every worker is still
 * parked.
 *
 * <p>Would catch: the monitor asleep with a worker running and nobody to wake it (a task that
 * worker then holds behind a long one would wait for ever), for instance if {@code asleep} were
 * written with a release store, or read by the waker with a plain load: each side's store
 * could then pass its load.
 *
 * <p>r1: the monitor may sleep; r2: the notifier woke it.
 */
@JCStressTest
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "the monitor sleeps and is woken")
@Outcome(id = "false, false", expect = ACCEPTABLE, desc = "the monitor saw the worker unparked and stays awake")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the monitor stays awake; the notifier's unpark is spare")
@Outcome(id = "true, false", expect = FORBIDDEN, desc = "lost wake-up: the monitor sleeps while a worker runs")
@State
public class StuckWorkerMonitorSleepTest {
    private final IdleWorkers idle = new IdleWorkers(1);
    private final StuckWorkerMonitor monitor = new StuckWorkerMonitor(new WorkStealingDispatcher.Worker[0],
            idle, () -> { }, ThreadHooks.NONE, "jcstress-monitor");

    public StuckWorkerMonitorSleepTest() {
        idle.transitionToParked(0, false);
    }

    @Actor
    public void notifier(ZZ_Result r) {
        boolean picked = idle.workerToNotify() >= 0;
        r.r2 = picked && monitor.wakeIfAsleep();
    }

    @Actor
    public void monitorGoesToSleep(ZZ_Result r) {
        r.r1 = monitor.trySleep();
    }
}
