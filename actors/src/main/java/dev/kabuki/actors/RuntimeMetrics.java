package dev.kabuki.actors;

import java.util.List;

/**
 * A snapshot of an {@link ActorSystem}'s runtime counters, from {@link ActorSystem#metrics()}.
 * Each value is read without locking while other threads change it: accurate on its own, not
 * a consistent cut across values.
 *
 * @param workers             core worker threads (0 for the current-thread flavour)
 * @param aliveTasks          spawned core tasks not finished yet (queued, scheduled, running)
 * @param globalQueueDepth    tasks in the core dispatcher's global injection queue
 * @param localQueueDepth     tasks in all workers' local queues and LIFO slots
 * @param localQueueDepths    per worker, the same
 * @param steals              successful steal operations since start
 * @param parks               times a core worker parked since start
 * @param parkedWorkers       core workers parked now
 * @param searchingWorkers    core workers looking for work now (at most one busy-waits)
 * @param blockingThreadsLive live blocking-pool threads
 * @param blockingThreadsIdle of those, idle ones (waiting for work, within keep-alive)
 * @param blockingQueueDepth  blocking tasks waiting for a thread (behind the cap)
 * @param blockingAliveTasks  blocking tasks queued or running
 * @param pendingTimers       timers waiting in the timing wheel (exact when the runtime is quiet,
 *                            approximate while timers are scheduled, cancelled or fired)
 */
public record RuntimeMetrics(
        int workers,
        long aliveTasks,
        long globalQueueDepth,
        long localQueueDepth,
        List<Integer> localQueueDepths,
        long steals,
        long parks,
        int parkedWorkers,
        int searchingWorkers,
        int blockingThreadsLive,
        int blockingThreadsIdle,
        long blockingQueueDepth,
        long blockingAliveTasks,
        int pendingTimers) {
}
