package dev.kabuki.blocking;

/**
 * What {@link dev.kabuki.blocking.internal.ElasticBlockingPool#shutdown(java.time.Duration)} did. Every later call of
 * {@code shutdown}, {@code shutdownNow} or {@code close} returns the first call's report.
 *
 * @param drained           every accepted task finished (ran or was abandoned) within the
 *                          timeout, so nothing had to be abandoned or interrupted
 * @param abandonedQueued   tasks that were still queued at the deadline and were abandoned with
 *                          {@code RejectedExecutionException("blocking pool shut down before
 *                          this task ran")} (their handles failed) instead of running
 * @param interruptedRunning pool threads that were still running a task at the deadline and were
 *                          interrupted
 * @param threadsStillAlive pool threads that had not ended when shutdown returned: a task that
 *                          ignores interruption keeps its thread (and a shutdown called from a
 *                          pool thread counts that thread)
 */
public record BlockingPoolShutdown(boolean drained, int abandonedQueued, int interruptedRunning,
                                   int threadsStillAlive) {
}
