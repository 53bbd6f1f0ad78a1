package dev.kabuki.scheduler.internal;

/**
 * A unit of work a dispatcher runs: a {@link Runnable} that can also be told it will never run.
 *
 * <p>Every task handed to a dispatcher (core, current-thread, blocking, or the timer) ends in
 * exactly one of two calls: {@link #run()} or {@link #abandon(Throwable)}. A dispatcher that is
 * shut down, or cannot create a thread for queued work, abandons the tasks it holds instead of
 * dropping them, so the owner of the task (a join handle, a mailbox) can report the outcome.
 *
 * <p>Implementations: {@link CallableTask} (a spawned task with a {@link dev.kabuki.scheduler.JoinHandle}); an actor
 * mailbox; the small internal tasks of timers.
 */
public interface Task extends Runnable {

    /**
     * Runs the task on the calling thread. Dispatchers call it at most once per scheduling,
     * and catch nothing: implementations must not throw (a task body's exception belongs in
     * its join handle, not in the worker).
     */
    @Override
    void run();

    /**
     * Tells the task it will never run, because of {@code reason}. Called at most once, instead
     * of {@link #run()}; must not block and must not throw.
     *
     * @param reason why it will not run (runtime shut down, a thread could not be created, a
     *               bounded queue was full)
     */
    void abandon(Throwable reason);
}
