package dev.kabuki.blocking;

/**
 * A snapshot of an {@link dev.kabuki.blocking.internal.ElasticBlockingPool}'s counters, from
 * {@link dev.kabuki.blocking.internal.ElasticBlockingPool#metrics()}.
 *
 * <p>Each value is read without locking from a counter other threads keep changing: each is
 * accurate at the moment it was read, but the four together are not a consistent cut.
 *
 * @param liveThreads thread slots in use: pool threads that exist, plus threads being created
 *                    right now; never more than {@code maxBlockingThreads}
 * @param idleThreads pool threads waiting for work at this moment
 * @param queuedTasks tasks waiting in the FIFO queue for a thread (including ones being handed
 *                    to an idle thread at this moment); an aborted handle stays counted until a
 *                    thread takes it off the queue
 * @param aliveTasks  tasks accepted by {@code execute}/{@code spawnBlocking} that have not yet
 *                    finished running or been abandoned: queued plus running
 */
public record BlockingPoolMetrics(int liveThreads, int idleThreads, long queuedTasks, long aliveTasks) {
}
