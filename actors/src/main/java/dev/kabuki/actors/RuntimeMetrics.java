package dev.kabuki.actors;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.scheduler.DispatcherMetrics;

/**
 * A snapshot of an {@link ActorSystem}'s runtime counters, from {@link ActorSystem#metrics()}:
 * the core dispatcher's, the blocking pool's and the timer's. Each value is read without locking
 * while other threads change it: accurate on its own, not a consistent cut across values.
 *
 * <pre>{@code
 * RuntimeMetrics m = system.metrics();
 * log.info("{} workers, {} parked; {} blocking threads; {} timers",
 *         m.core().workers(), m.core().parkedWorkers(), m.blocking().liveThreads(), m.pendingTimers());
 * }</pre>
 *
 * @param core          the core dispatcher's counters: workers (0 for the current-thread
 *                      flavour), core tasks alive, queue depths, steals, parks, parked and
 *                      searching workers
 * @param blocking      the blocking pool's counters: live and idle threads, tasks waiting
 *                      behind the cap, tasks queued or running
 * @param pendingTimers timers waiting in the timing wheel (exact when the runtime is quiet,
 *                      approximate while timers are scheduled, cancelled or fired)
 */
public record RuntimeMetrics(DispatcherMetrics core, BlockingPoolMetrics blocking, int pendingTimers) {
}
