package dev.kabuki.scheduler.internal;

/**
 * A task whose run ended with nothing left to do, but which holds something it would otherwise
 * give up at once and take back soon: an actor's mailbox holding its consumer token. Instead of
 * releasing it (a compare-and-set) and having the next sender take it back (another one, plus a
 * hand-off through the worker's LIFO slot), the task may ask the worker running it to keep it
 * for one more task ({@link ActivationDispatcher#linger}). The worker then either runs it again,
 * if work arrived meanwhile ({@link #hasWork()}), or has it {@link #release()} what it holds.
 *
 * <p>While it lingers the task is as good as queued: it holds its token, so its producers do
 * not schedule it, and whoever holds the task (the worker, or a worker that steals it from a
 * stuck one) must run it, release it, or abandon it, exactly once. {@link #run()} on a task with
 * nothing to do is harmless: it ends at once, lingering or releasing again.
 */
public interface LingeringTask extends Task {

    /**
     * Whether work arrived for the task since its last run ended (volatile reads only). Any
     * thread: the owner's worker decides with it whether to run or release the task; other
     * threads (a stuck-worker look-out) read it as a hint only.
     */
    boolean hasWork();

    /**
     * Gives up what the task held (its token), then takes it back and re-schedules the task if
     * work arrived during the release. Only the thread holding the lingering task, once, instead
     * of {@link #run()}. Must not throw.
     */
    void release();
}
