package dev.kabuki.scheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The outcome of a task or of an ask: the one future type of kabuki (Tokio's {@code JoinHandle}).
 *
 * <p>A handle starts pending and is completed exactly once, with one of four outcomes
 * ({@link Outcome}): a value, a failure (the task's exception is the cause), cancellation
 * ({@link #abort()}), or a timeout ({@link #orTimeout(Duration)}). Completion is final; the first
 * outcome wins every race.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread at any time.
 *
 * <h2>Blocking</h2>
 * Only {@link #join()} and {@link #join(Duration)} block, and only while the handle is pending.
 * <b>They refuse to block a core worker thread</b>: called on a core worker on a pending handle
 * they throw {@link IllegalStateException} at once, because a worker waiting for work queued
 * behind it can stall or deadlock the runtime. On a core worker, compose with
 * {@link #whenComplete(BiConsumer)} or {@link #toCompletableFuture()}, or move the blocking code
 * to {@code spawnBlocking}. On the thread that drives a current-thread runtime ({@code blockOn}),
 * {@code join} runs that runtime's queued tasks until the handle completes. Every other thread
 * (main, blocking-pool threads, your own) simply waits.
 *
 * @param <T> the value type
 */
public interface JoinHandle<T> {

    /** The state of a handle. */
    enum Outcome {
        /** Not finished yet. */
        PENDING,
        /** Finished with a value. */
        SUCCEEDED,
        /** Finished with an exception; {@link #join()} throws {@link TaskFailedException}. */
        FAILED,
        /** Aborted; {@link #join()} throws {@link TaskCancelledException}. */
        CANCELLED,
        /** Timed out; {@link #join()} throws {@link TaskTimeoutException}. */
        TIMED_OUT
    }

    /**
     * Waits for the outcome and returns the value.
     *
     * @return the task's value (may be {@code null})
     * @throws TaskFailedException      the task threw; its exception is the cause
     * @throws TaskCancelledException   the handle was aborted
     * @throws TaskTimeoutException     the handle's {@link #orTimeout(Duration) timeout} fired
     * @throws JoinInterruptedException the waiting thread was interrupted (its interrupt status
     *                                  is set again)
     * @throws IllegalStateException    called on a core worker thread while pending
     */
    T join();

    /**
     * Waits at most {@code timeout} for the outcome. A wait that runs out is its own outcome,
     * {@link JoinTimeoutException}, and leaves the task running (unlike
     * {@link #orTimeout(Duration)}, which completes the handle).
     *
     * @throws JoinTimeoutException     the wait ran out; the handle is still pending
     * @throws IllegalArgumentException {@code timeout} is negative
     * @see #join()
     */
    T join(Duration timeout);

    /** Whether the handle has an outcome (any of them). Never blocks. */
    boolean isFinished();

    /** The current outcome, {@link Outcome#PENDING} while not finished. Never blocks. */
    Outcome outcome();

    /**
     * Cancels the task. A task not yet started never runs. A running task's thread is
     * interrupted; the handle completes as {@link Outcome#CANCELLED} at once and whatever the body
     * later returns is discarded. Never blocks.
     *
     * @return {@code true} if this call cancelled the handle, {@code false} if it had already
     *         finished
     */
    boolean abort();

    /**
     * Completes the handle as {@link Outcome#TIMED_OUT} (and aborts the task, interrupting it if
     * running) unless it finishes within {@code timeout}. Uses the runtime's timing wheel: no
     * thread per timeout. Never blocks.
     *
     * @return this handle
     * @throws IllegalArgumentException {@code timeout} is negative
     */
    JoinHandle<T> orTimeout(Duration timeout);

    /**
     * Registers a callback run once when the handle completes: with {@code (value, null)} on
     * success, or {@code (null, failure)} where {@code failure} is the {@link JoinException}
     * that {@link #join()} would throw. It runs on the thread that completes the handle, or at
     * once on the calling thread if the handle is already finished; keep it short and
     * non-blocking (it may run on a core worker or the timer thread), and spawn work from it
     * instead. An exception it throws is logged and does not affect other callbacks. Never
     * blocks.
     *
     * @return this handle
     */
    JoinHandle<T> whenComplete(BiConsumer<? super T, ? super JoinException> callback);

    /**
     * A {@link CompletableFuture} that completes with this handle's value, or exceptionally with
     * the {@link JoinException} {@link #join()} would throw. Cancelling the future aborts the
     * task. Each call returns a new future.
     */
    CompletableFuture<T> toCompletableFuture();
}
