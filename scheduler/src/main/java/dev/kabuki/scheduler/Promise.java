package dev.kabuki.scheduler;

import java.util.Objects;

/**
 * A {@link JoinHandle} completed by code rather than by a task body (Tokio's oneshot channel):
 * the reply slot of an ask, or a bridge from a callback API.
 *
 * <p>The first of {@link #complete}, {@link #fail}, {@link #abort()} or the timeout wins; later
 * calls return {@code false} and change nothing. Thread-safe; never blocks except in
 * {@code join}.
 *
 * @param <T> the value type
 */
public final class Promise<T> extends AbstractJoinHandle<T> {

    /** @param timer the timer {@link #orTimeout} uses (may be null: then orTimeout throws) */
    public Promise(Timer timer) {
        super(timer);
    }

    /** Completes with a value. @return whether this call completed the promise */
    public boolean complete(T value) {
        return tryComplete(NEW, SUCCEEDED, value);
    }

    /**
     * Completes as failed; {@code join} will throw {@link TaskFailedException} with this cause.
     *
     * @return whether this call completed the promise
     */
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
