package dev.kabuki.scheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

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
 * <h2>Derived handles</h2>
 * {@link #map}, {@link #flatMap} and {@link #recover} return a new handle whose outcome follows
 * from this one's, without a thread or a wait: the function runs when this handle completes.
 * A derived handle is a handle like any other, with one addition: <b>aborting it while it is
 * pending aborts the handle it waits for</b> (and so, through a chain, the task at its root),
 * and so does its {@linkplain #orTimeout(Duration) timeout}. A derived handle uses this handle's
 * timer, and joining it follows the same rules as joining this handle.
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
     * A handle that completes with {@code fn} applied to this handle's value.
     *
     * <ul>
     *   <li>This handle succeeds: the derived handle succeeds with {@code fn(value)}, or, if
     *       {@code fn} throws, fails with that exception as the cause.</li>
     *   <li>This handle fails, is cancelled or times out: the derived handle ends the same way,
     *       with the same cause (a failure's cause is the original exception, not the
     *       {@link TaskFailedException} around it) or message; {@code fn} does not run.</li>
     *   <li>The derived handle is {@linkplain #abort() aborted} or its
     *       {@linkplain #orTimeout(Duration) timeout} fires while it is pending: it completes
     *       at once, and this handle is aborted (if still pending). Aborting it after it has
     *       completed returns {@code false} and touches nothing.</li>
     * </ul>
     *
     * <pre>{@code
     * JoinHandle<Integer> length = system.spawnBlocking(() -> Files.readString(path))
     *         .map(String::length)
     *         .orTimeout(Duration.ofSeconds(2));   // on timeout, the read is aborted too
     * }</pre>
     *
     * <p><b>Where {@code fn} runs:</b> on the thread that completes this handle (a core worker,
     * a blocking thread, the thread calling {@code complete}), before that thread goes on; or at
     * once on the calling thread if this handle has already finished. It must be short and must
     * not block; spawn work from it instead. It does not run if the derived handle was aborted
     * first; it may still run when the abort races with this handle's completion, and its value
     * is then discarded.
     *
     * <p>Thread-safe. Never blocks (apart from running {@code fn} at once on an already
     * finished handle).
     *
     * @param fn  maps the value; not {@code null}
     * @param <U> the derived value type
     * @return a new pending (or, if this handle has finished, already completed) handle
     * @throws NullPointerException {@code fn} is {@code null}
     */
    <U> JoinHandle<U> map(Function<? super T, ? extends U> fn);

    /**
     * A handle that follows the handle {@code fn} returns for this handle's value: for a step
     * that is itself asynchronous (an ask, a spawn).
     *
     * <ul>
     *   <li>This handle succeeds: {@code fn(value)} runs, and the derived handle then ends as
     *       the returned (inner) handle ends, with its value, cause or message. If {@code fn}
     *       throws, the derived handle fails with that exception as the cause; if it returns
     *       {@code null}, it fails with a {@link NullPointerException} saying so.</li>
     *   <li>This handle fails, is cancelled or times out: the derived handle ends the same way
     *       (as for {@link #map}); {@code fn} does not run.</li>
     *   <li>The derived handle is aborted, or times out, while pending: it completes at once and
     *       aborts what it waits for: this handle while this handle is pending, the inner
     *       handle once {@code fn} has returned it.</li>
     * </ul>
     *
     * <pre>{@code
     * JoinHandle<Order> order = system.spawnBlocking(() -> db.findUser(id))
     *         .flatMap(user -> orders.ask(reply -> new LatestOrder(user, reply), timeout));
     * order.abort();   // aborts the lookup, or the ask once it has been sent
     * }</pre>
     *
     * <p>{@code fn} runs where {@link #map}'s runs, with the same rules: short, non-blocking.
     * Thread-safe. Never blocks (apart from running {@code fn} at once on an already finished
     * handle).
     *
     * @param fn  returns the next handle for the value; not {@code null}
     * @param <U> the inner handle's value type
     * @return a new pending (or already completed) handle
     * @throws NullPointerException {@code fn} is {@code null}
     */
    <U> JoinHandle<U> flatMap(Function<? super T, ? extends JoinHandle<U>> fn);

    /**
     * A handle that replaces any outcome other than a value by what {@code fn} makes of it.
     *
     * <ul>
     *   <li>This handle succeeds: the derived handle succeeds with the same value; {@code fn}
     *       does not run.</li>
     *   <li>This handle fails, is cancelled or times out: the derived handle succeeds with
     *       {@code fn(e)}, where {@code e} is the {@link JoinException} that {@link #join()}
     *       would throw ({@link TaskFailedException}, {@link TaskCancelledException} or
     *       {@link TaskTimeoutException}). If {@code fn} throws, the derived handle fails with
     *       that exception as the cause (rethrow {@code e.getCause()} to keep the original
     *       failure).</li>
     *   <li>The derived handle is aborted, or times out, while pending: it completes at once
     *       (as CANCELLED or TIMED_OUT: {@code fn} does not turn its own abort into a value)
     *       and aborts this handle if still pending.</li>
     * </ul>
     *
     * <pre>{@code
     * JoinHandle<Price> price = quotes.ask(GetPrice::new, Duration.ofMillis(200))
     *         .recover(e -> Price.UNKNOWN);   // failed, cancelled or timed out
     * }</pre>
     *
     * <p>{@code fn} runs where {@link #map}'s runs, with the same rules: short, non-blocking.
     * Thread-safe. Never blocks (apart from running {@code fn} at once on an already finished
     * handle).
     *
     * @param fn turns the exception into a value; not {@code null}
     * @return a new pending (or already completed) handle
     * @throws NullPointerException {@code fn} is {@code null}
     */
    JoinHandle<T> recover(Function<? super JoinException, ? extends T> fn);

    /**
     * A {@link CompletableFuture} that completes with this handle's value, or exceptionally with
     * the {@link JoinException} {@link #join()} would throw. Cancelling the future aborts the
     * task. Each call returns a new future.
     */
    CompletableFuture<T> toCompletableFuture();
}
