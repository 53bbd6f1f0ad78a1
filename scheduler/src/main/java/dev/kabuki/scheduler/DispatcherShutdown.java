package dev.kabuki.scheduler;

/**
 * What a dispatcher's shutdown did.
 *
 * @param drained           all work finished within the timeout
 * @param abandoned         queued tasks that never ran (their handles failed)
 * @param interrupted       running tasks cancelled and interrupted at the deadline
 * @param threadsStillAlive threads that had not ended when shutdown returned (a task that
 *                          ignores interruption keeps its thread)
 */
public record DispatcherShutdown(boolean drained, int abandoned, int interrupted, int threadsStillAlive) {
}
