package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handle whose outcome is derived from another handle's: what {@link JoinHandle#map},
 * {@link JoinHandle#flatMap} and {@link JoinHandle#recover} return. No thread and no wait: the
 * derived handle is a completion callback on its source.
 *
 * <h2>State</h2>
 * The completion state machine of {@link AbstractJoinHandle}, entered from NEW only (there is no
 * body, so never RUNNING), plus {@link #upstream}: the handle this one waits for, which an
 * abort is passed on to. It is the source from construction on, and for a flatMap the inner
 * handle once the function has returned it.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>The factory builds the handle (upstream = source, the source's timer and home) and
 *       only then registers {@link #onSource} on the source, which may run it at once.</li>
 *   <li>{@link #onSource}, on the source's completing thread: if this handle has already
 *       completed (aborted, timed out) it does nothing. Otherwise it applies the function or
 *       copies the source's outcome, and completes this handle with {@code tryComplete(NEW, …)};
 *       that loses harmlessly to an abort that got in meanwhile. For flatMap it instead
 *       publishes the inner handle as upstream, registers {@link #onInner} on it, and then
 *       aborts it itself if this handle was meanwhile cancelled or timed out (step 4).</li>
 *   <li>Whoever completes this handle as CANCELLED or TIMED_OUT ({@code abort()}, the
 *       {@code orTimeout} timer, or a copy of the source's own such outcome) aborts upstream in
 *       {@link #beforeCallbacks}, before this handle's callbacks run. A finished upstream
 *       ignores the abort: so a copied outcome, or an abort after the source finished, never
 *       touches the source.</li>
 *   <li>The flatMap hand-over from source to inner is a Dekker pair. Aborter: CAS state (from
 *       NEW), then volatile read of {@code upstream}. Hand-over: volatile write of
 *       {@code upstream}, then volatile read of the state, waiting out COMPLETING. Both pairs
 *       are volatile accesses, so in the one synchronization order at least one side sees the
 *       other's write: either the aborter reads the inner handle, or the hand-over reads
 *       CANCELLED / TIMED_OUT and aborts the inner handle itself (abort is idempotent). The
 *       CAS is the aborter's half of the pair, not the terminal store after it, which is a
 *       release store and so not ordered before the aborter's later read of upstream: a
 *       hand-over that reads COMPLETING must wait for the terminal phase, never take it for
 *       "not aborted". (It cannot skip the check either way: once {@link #onInner} is
 *       registered, the inner handle may complete this one, so the phase tells which.)</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>This handle completes exactly once (the base class's CAS).</li>
 *   <li>The source is aborted through this handle only if this handle completed as CANCELLED or
 *       TIMED_OUT while the source was still pending when the abort reached it.</li>
 *   <li>The function runs at most once, on the source's completing thread, and only while this
 *       handle is not yet completed when {@link #onSource} begins.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * {@link #fn} is written in the constructor and read by {@link #onSource}; the source's
 * {@code whenComplete} (a CAS push, read back by the completer's get-and-set) publishes it, or
 * the registering thread runs it itself. {@code onSource} then clears it with a plain write
 * that only its own thread reads. {@link #upstream} is volatile for the Dekker pair of step 4.
 *
 * @param <T> the derived value type
 */
final class DerivedHandle<T> extends AbstractJoinHandle<T> {
    private static final Logger LOG = LoggerFactory.getLogger(DerivedHandle.class);

    private static final int MAP = 0;
    private static final int FLAT_MAP = 1;
    private static final int RECOVER = 2;

    private static final VarHandle UPSTREAM;

    static {
        try {
            UPSTREAM = MethodHandles.lookup().findVarHandle(DerivedHandle.class, "upstream",
                    JoinHandle.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** MAP, FLAT_MAP or RECOVER. */
    private final int kind;
    /** The user's function; cleared once it has run. See the class comment for its publication. */
    private Function<Object, Object> fn;
    /** The handle an abort of this one is passed on to: the source, then flatMap's inner handle. */
    private volatile JoinHandle<?> upstream;

    private DerivedHandle(JoinHandle<?> source, int kind, Function<?, ?> fn) {
        super(timerOf(source), homeOf(source));
        this.kind = kind;
        this.fn = erase(Objects.requireNonNull(fn, "fn"));
        this.upstream = source;
    }

    /** See {@link JoinHandle#map}. */
    static <S, U> JoinHandle<U> map(JoinHandle<S> source, Function<? super S, ? extends U> fn) {
        return start(source, new DerivedHandle<U>(source, MAP, fn));
    }

    /** See {@link JoinHandle#flatMap}. */
    static <S, U> JoinHandle<U> flatMap(JoinHandle<S> source,
                                        Function<? super S, ? extends JoinHandle<U>> fn) {
        return start(source, new DerivedHandle<U>(source, FLAT_MAP, fn));
    }

    /** See {@link JoinHandle#recover}. */
    static <S> JoinHandle<S> recover(JoinHandle<S> source,
                                     Function<? super JoinException, ? extends S> fn) {
        return start(source, new DerivedHandle<S>(source, RECOVER, fn));
    }

    private static <U> JoinHandle<U> start(JoinHandle<?> source, DerivedHandle<U> derived) {
        source.whenComplete(derived::onSource);
        return derived;
    }

    private static Timer timerOf(JoinHandle<?> source) {
        return source instanceof AbstractJoinHandle<?> a ? a.timer : null;
    }

    private static CurrentThreadDispatcher homeOf(JoinHandle<?> source) {
        return source instanceof AbstractJoinHandle<?> a ? a.home() : null;
    }

    @SuppressWarnings("unchecked")
    private static Function<Object, Object> erase(Function<?, ?> fn) {
        return (Function<Object, Object>) fn;
    }

    // ---------------------------------------------------------------- source side (step 2)

    /** The source's completion callback: {@code (value, null)} or {@code (null, failure)}. */
    private void onSource(Object value, JoinException failure) {
        Function<Object, Object> f = fn;
        fn = null;
        if (isFinished()) {
            return; // aborted or timed out first: the function does not run
        }
        switch (kind) {
            case MAP -> {
                if (failure != null) {
                    completeLike(failure);
                } else {
                    apply(f, value);
                }
            }
            case RECOVER -> {
                if (failure != null) {
                    apply(f, failure);
                } else {
                    tryComplete(NEW, SUCCEEDED, value);
                }
            }
            default -> {
                if (failure != null) {
                    completeLike(failure);
                } else {
                    follow(f, value);
                }
            }
        }
    }

    /** Completes with {@code f(arg)}, or as FAILED with what {@code f} threw. */
    private void apply(Function<Object, Object> f, Object arg) {
        Object result;
        try {
            result = f.apply(arg);
        } catch (Throwable t) {
            tryComplete(NEW, FAILED, t);
            return;
        }
        tryComplete(NEW, SUCCEEDED, result);
    }

    /** flatMap: gets the inner handle and hands over to it (steps 2 and 4). */
    private void follow(Function<Object, Object> f, Object value) {
        JoinHandle<?> inner;
        try {
            inner = (JoinHandle<?>) f.apply(value);
        } catch (Throwable t) {
            tryComplete(NEW, FAILED, t);
            return;
        }
        if (inner == null) {
            tryComplete(NEW, FAILED, new NullPointerException(
                    "the function given to flatMap returned null instead of a JoinHandle"));
            return;
        }
        UPSTREAM.setVolatile(this, inner);
        inner.whenComplete(this::onInner);
        int s;
        while (((s = stateVolatile()) & PHASE) == COMPLETING) {
            Thread.onSpinWait(); // an abort is half-way: it may have read the old upstream
        }
        int phase = s & PHASE;
        if (phase == CANCELLED || phase == TIMED_OUT) {
            abortQuietly(inner);
        }
    }

    /** flatMap's inner handle completed: this handle ends the same way. */
    private void onInner(Object value, JoinException failure) {
        if (failure == null) {
            tryComplete(NEW, SUCCEEDED, value);
        } else {
            completeLike(failure);
        }
    }

    /** Completes with the outcome {@code failure} stands for, with the same cause or message. */
    private void completeLike(JoinException failure) {
        if (failure instanceof TaskFailedException) {
            Throwable cause = failure.getCause();
            tryComplete(NEW, FAILED, cause != null ? cause : failure);
        } else if (failure instanceof TaskTimeoutException) {
            tryComplete(NEW, TIMED_OUT, failure.getMessage());
        } else if (failure instanceof TaskCancelledException) {
            tryComplete(NEW, CANCELLED, failure.getMessage());
        } else {
            tryComplete(NEW, FAILED, failure); // not an outcome a handle reports; keep it whole
        }
    }

    // ---------------------------------------------------------------- abort side (step 3)

    /** Passes this handle's cancellation or timeout on to what it waits for. */
    @Override
    void beforeCallbacks(int terminalState) {
        int phase = terminalState & PHASE;
        if (phase == CANCELLED || phase == TIMED_OUT) {
            abortQuietly((JoinHandle<?>) UPSTREAM.getVolatile(this));
        }
    }

    /** Aborts {@code h}; a foreign handle's abort that throws must not stop our callbacks. */
    private static void abortQuietly(JoinHandle<?> h) {
        try {
            h.abort();
        } catch (Throwable t) {
            LOG.warn("aborting the handle a derived handle waits for threw", t);
        }
    }
}
