package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * A core dispatcher: runs non-blocking tasks and actor activations on the runtime's core
 * threads. Two flavours: {@link WorkStealingDispatcher} (one worker per CPU) and
 * {@link CurrentThreadDispatcher} (the thread that calls {@code blockOn}).
 *
 * <p>Thread-safe: every method may be called from any thread. None blocks except
 * {@link #shutdown(Duration)}.
 */
public interface CoreDispatcher extends ActivationDispatcher {

    /**
     * Schedules an internal task (a mailbox activation, a timer's hand-off). Accepted until the
     * dispatcher has terminated, even while it is draining; after that the task is
     * {@linkplain Task#abandon abandoned}. Never blocks.
     */
    void execute(Task task);

    /**
     * Runs a completion handed off by a timer action ({@link Timer#handOff}): a task that
     * completes a handle, and so runs its callbacks. The multi-thread flavour queues it like
     * {@link #execute}; the current-thread flavour queues it for the thread inside
     * {@code blockOn} while one is there, and otherwise runs it on the calling thread, since
     * nothing else would. Never blocks.
     */
    void executeCompletion(Task completion);

    /**
     * Re-schedules a task that yields although it could go on (an actor activation that used up
     * its throughput): behind the work already waiting for the calling worker, not ahead of it
     * as {@link #execute} from a worker does (its LIFO slot, kept for a task's fresh
     * successor). From any other thread, the same as {@link #execute}. Never blocks.
     */
    void executeYielded(Task task);

    /**
     * Spawns a task; its handle carries the value or the exception. After shutdown has begun
     * the handle fails at once with a {@link java.util.concurrent.RejectedExecutionException}
     * cause. Never blocks.
     */
    <T> JoinHandle<T> spawn(Callable<T> body);

    /** Spawns a task with no value; see {@link #spawn(Callable)}. */
    JoinHandle<Void> spawn(Runnable body);

    /**
     * A new pending promise that belongs to this dispatcher: its
     * {@link JoinHandle#orTimeout orTimeout} uses this dispatcher's {@link #timer()}, and, for
     * the current-thread flavour, joining it outside {@code blockOn} while nothing drives the
     * dispatcher fails fast like joining one of its tasks. Works also after shutdown (a
     * promise needs no thread). Never blocks.
     */
    <T> Promise<T> promise();

    /**
     * Runs {@code body} on this dispatcher after {@code delay}. Aborting the handle before then
     * cancels the timer; a task not yet due when the dispatcher shuts down is abandoned (its
     * handle fails with a {@link java.util.concurrent.RejectedExecutionException} cause).
     *
     * @throws IllegalArgumentException {@code delay} is negative
     * @throws IllegalStateException    the dispatcher was built without a timer
     */
    <T> JoinHandle<T> schedule(Duration delay, Callable<T> body);

    /**
     * Runs {@code body} after {@code initialDelay} and then every {@code period}, measured from
     * the planned start of each run (fixed rate). Runs never overlap; a run that overruns its
     * period delays the next one instead of causing a burst of catch-up runs. The handle
     * completes only when aborted (CANCELLED), when {@code body} throws (FAILED, no further
     * runs), or at shutdown.
     *
     * @throws IllegalArgumentException {@code initialDelay} is negative or {@code period} is not
     *                                  positive
     * @throws IllegalStateException    the dispatcher was built without a timer
     */
    JoinHandle<Void> scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable body);

    /**
     * Whether other tasks are waiting that the calling thread would run if its current task
     * yielded now. A task that could go on (an actor activation that used up its throughput
     * with messages left) asks this: if nothing waits, going on is as fair as yielding and saves
     * a round trip through the queues. Called from a thread that does not run this
     * dispatcher's tasks, it answers {@code true} (yielding is the safe default). A racy
     * snapshot; never blocks, cheap (a few plain or volatile reads).
     */
    boolean hasQueuedWork();

    /** A snapshot of the dispatcher's counters. Never blocks; cheap enough to poll. */
    DispatcherMetrics metrics();

    /**
     * Graceful shutdown: stop accepting spawns, let running and queued tasks finish for up to
     * {@code timeout}, then cancel what still runs (interrupting it), abandon what is still
     * queued, and wait for the threads to end. Idempotent: later calls return the first report.
     * Blocks the caller up to the timeout plus a short grace for threads to end.
     */
    DispatcherShutdown shutdown(Duration timeout);

    /** The timer this dispatcher uses for {@link #schedule} and handle timeouts, or null. */
    Timer timer();
}
