package dev.kabuki.scheduler;

import java.util.List;

/**
 * A snapshot of a core dispatcher's counters. Values are read without locking from counters
 * that other threads keep changing, so they are each accurate but not a consistent cut.
 *
 * @param workers           worker threads (0 for the current-thread flavour)
 * @param aliveTasks        tasks not finished yet: queued, running, or waiting in the timer
 *                          (delayed and periodic tasks)
 * @param globalQueueDepth  tasks in the global injection queue
 * @param localQueueDepth   tasks in all workers' local queues and LIFO slots
 * @param localQueueDepths  per worker, the same
 * @param steals            successful steal operations since start
 * @param parks             times a worker parked since start
 * @param parkedWorkers     workers parked now
 * @param searchingWorkers  workers searching for work now
 */
public record DispatcherMetrics(
        int workers,
        long aliveTasks,
        long globalQueueDepth,
        long localQueueDepth,
        List<Integer> localQueueDepths,
        long steals,
        long parks,
        int parkedWorkers,
        int searchingWorkers) {
}
