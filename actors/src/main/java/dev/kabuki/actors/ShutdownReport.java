package dev.kabuki.actors;

import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.scheduler.DispatcherShutdown;
import java.time.Duration;

/**
 * What {@link ActorSystem#shutdown(Duration)} did.
 *
 * @param clean            every actor stopped, every task finished in time and every thread
 *                         ended
 * @param took             how long the shutdown took
 * @param timersCancelled  scheduled tasks and timers not yet due, cancelled (their tasks'
 *                         handles failed)
 * @param actorsNotStopped actors whose stop did not complete before the deadline: abandoned
 *                         (terminated without {@code onStop}, their messages sent to dead
 *                         letters) or still not terminated when the shutdown returned
 * @param core             the core dispatcher's report
 * @param blocking        the blocking pool's report
 */
public record ShutdownReport(
        boolean clean,
        Duration took,
        int timersCancelled,
        int actorsNotStopped,
        DispatcherShutdown core,
        BlockingPoolShutdown blocking) {

    /** Tasks that never ran because of the shutdown, on both dispatchers. */
    public int abandonedTasks() {
        return core.abandoned() + blocking.abandonedQueued();
    }

    /** Tasks cancelled and interrupted while running, on both dispatchers. */
    public int interruptedTasks() {
        return core.interrupted() + blocking.interruptedRunning();
    }

    /** Threads that had not ended when shutdown returned. */
    public int threadsStillAlive() {
        return core.threadsStillAlive() + blocking.threadsStillAlive();
    }
}
