package dev.kabuki.scheduler;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The global injection queue of a {@link WorkStealingDispatcher}: where tasks from outside the
 * runtime and local-queue overflow go. Many producers, many consumers, FIFO, unbounded.
 *
 * <p>Lock-free: a {@link ConcurrentLinkedQueue} plus an atomic length. The length is incremented
 * before a push becomes visible and decremented after a successful poll, so it may briefly
 * over-count but never under-counts a task that a consumer could take; it is used for metrics
 * and to size the batch a worker moves into its local queue.
 */
final class InjectionQueue {
    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger length = new AtomicInteger();

    void push(Task task) {
        length.incrementAndGet();
        queue.offer(task);
    }

    void pushAll(Task[] tasks) {
        length.addAndGet(tasks.length);
        for (Task t : tasks) {
            queue.offer(t);
        }
    }

    Task poll() {
        Task t = queue.poll();
        if (t != null) {
            length.decrementAndGet();
        }
        return t;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return Math.max(0, length.get());
    }
}
