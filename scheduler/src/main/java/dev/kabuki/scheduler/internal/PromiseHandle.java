package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Promise}: a {@link dev.kabuki.scheduler.JoinHandle} completed by code rather than by a task body
 * (Tokio's oneshot channel): the reply slot of an ask, a bridge from a callback API, the
 * wake-up of a {@link dev.kabuki.scheduler.JoinSet}. Users get one from
 * {@code TaskSpawner.promise()} ({@link CoreDispatcher#promise()}).
 *
 * <p>The first of {@link #complete}, {@link #fail}, {@link #abort()} or the timeout wins; later
 * calls return {@code false} and change nothing. Thread-safe; never blocks except in
 * {@code join}.
 *
 * @param <T> the value type
 */
public class PromiseHandle<T> extends AbstractJoinHandle<T> implements Promise<T> {
    private static final Logger LOG = LoggerFactory.getLogger(PromiseHandle.class);

    /** Run once on completion, before every other callback; null if none. Never changes. */
    private final BiConsumer<? super T, ? super JoinException> onComplete;

    /** @param timer the timer {@link #orTimeout} uses (may be null: then orTimeout throws) */
    public PromiseHandle(Timer timer) {
        this(timer, null, null);
    }

    /**
     * A promise with a completion hook fixed at construction: {@code onComplete} runs exactly
     * once, on the thread that completes the promise, before any callback registered with
     * {@link #whenComplete} and before waiting threads wake. It is for releasing what the
     * promise holds (an ask cancels its timeout with it); it must be short and must not block.
     * An exception it throws is logged and does not stop the other callbacks.
     *
     * <p>Unlike {@code whenComplete} on a new promise, which pushes a node with a CAS because
     * another thread could complete the promise at the same moment, this costs nothing per
     * promise but a field: nobody else can see the promise before its constructor returns.
     *
     * @param timer      the timer {@link #orTimeout} uses (may be null: then orTimeout throws)
     * @param onComplete the hook, given the value (or null) and the failure (or null); may be null
     */
    public PromiseHandle(Timer timer, BiConsumer<? super T, ? super JoinException> onComplete) {
        this(timer, onComplete, null);
    }

    /**
     * A promise completed by work that a current-thread dispatcher runs (an ask to an actor of
     * a current-thread runtime): joining it outside that dispatcher's {@code blockOn} while
     * nothing drives it fails fast with an {@link IllegalStateException} saying so, instead of
     * waiting for work that cannot run.
     *
     * @param home the dispatcher whose driver runs the work, or null
     */
    public PromiseHandle(Timer timer, BiConsumer<? super T, ? super JoinException> onComplete,
                   CurrentThreadDispatcher home) {
        super(timer, home);
        this.onComplete = onComplete;
    }

    /**
     * For a subclass that is its own completion hook ({@link #onCompleted(Object, JoinException)}), so that one
     * object is both the promise and what it belongs to (an ask's reply address).
     *
     * @param timer the timer {@link #orTimeout} uses (may be null: then orTimeout throws)
     * @param home  as in {@link #PromiseHandle(Timer, BiConsumer, CurrentThreadDispatcher)}; may be null
     */
    protected PromiseHandle(Timer timer, CurrentThreadDispatcher home) {
        this(timer, null, home);
    }

    /**
     * Runs once on completion, on the completing thread, before every callback and before
     * waiting threads wake, like the construction-time hook (after it, if both are given), with
     * the same arguments. Nothing by default. Must be short, must not block; what it throws is
     * logged.
     *
     * @param value   the value, or null if the promise did not succeed
     * @param failure the failure, or null if it succeeded
     */
    protected void onCompleted(T value, JoinException failure) {
    }

    @Override
    final void beforeCallbacks(int terminalState) {
        BiConsumer<? super T, ? super JoinException> hook = onComplete;
        try {
            T value = valueOf(terminalState);
            JoinException failure = failureOf(terminalState);
            if (hook != null) {
                hook.accept(value, failure);
            }
            onCompleted(value, failure);
        } catch (Throwable t) {
            LOG.warn("a PromiseHandle completion hook threw; the callbacks still run", t);
        }
    }

    /**
     * No dispatcher owns a promise: when the runtime shuts down before its timeout could fire,
     * it fails now (a {@link RejectedExecutionException} naming the timeout), rather than leave
     * a joiner waiting for a timeout that will never come.
     */
    @Override
    final void timeoutAbandoned(Duration timeout, Throwable reason) {
        RejectedExecutionException e = new RejectedExecutionException("the runtime shut down before this "
                + "promise's timeout (" + timeout.toMillis() + " ms) could fire");
        e.initCause(reason);
        fail(e);
    }

    /** Completes with a value. @return whether this call completed the promise */
    @Override
    public boolean complete(T value) {
        return tryComplete(NEW, SUCCEEDED, value);
    }

    /**
     * Completes as failed; {@code join} will throw {@link dev.kabuki.scheduler.TaskFailedException} with this cause.
     *
     * @return whether this call completed the promise
     * @throws NullPointerException {@code cause} is null
     */
    @Override
    public boolean fail(Throwable cause) {
        return tryComplete(NEW, FAILED, Objects.requireNonNull(cause, "cause"));
    }

    /**
     * Completes as timed out with the given message (an ask's timeout uses it to name the
     * target, the message and the duration).
     *
     * @return whether this call completed the promise
     */
    public boolean timeOut(String message) {
        return cancelWith(TIMED_OUT, message);
    }

    /**
     * Completes as cancelled with the given message.
     *
     * @return whether this call completed the promise
     */
    public boolean cancel(String message) {
        return cancelWith(CANCELLED, message);
    }
}
