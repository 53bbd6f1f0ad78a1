package dev.kabuki.scheduler.internal;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A spawned task: a {@link Callable} body and the {@link dev.kabuki.scheduler.JoinHandle} of its outcome, in one
 * object (no separate future is allocated).
 *
 * <p>Dispatchers create these for {@code spawn} and {@code spawnBlocking}; user code holds them
 * as {@link dev.kabuki.scheduler.JoinHandle}s. The body runs at most once; a task aborted before it starts never
 * runs. An exception (any {@link Throwable}) thrown by the body completes the handle as
 * {@link dev.kabuki.scheduler.JoinHandle.Outcome#FAILED} with that exception as cause, and never reaches the thread
 * that ran it. See {@link AbstractJoinHandle} for the state machine.
 *
 * <p>Thread-safe.
 *
 * @param <T> the body's value type
 */
public final class CallableTask<T> extends AbstractJoinHandle<T> implements Task {
    private Callable<? extends T> body;
    /** Written by the runner before NEW→RUNNING (volatile CAS), read by an aborter after it. */
    private Thread runner;

    /**
     * @param body  what to run
     * @param timer the timer {@link #orTimeout} uses (may be null: then orTimeout throws)
     */
    public CallableTask(Callable<? extends T> body, Timer timer) {
        this(body, timer, null);
    }

    /**
     * A task run by a current-thread dispatcher: joining it outside that dispatcher's
     * {@code blockOn} while nothing drives it fails fast (see {@link AbstractJoinHandle}).
     *
     * @param home the dispatcher that runs it, or null
     */
    CallableTask(Callable<? extends T> body, Timer timer, CurrentThreadDispatcher home) {
        super(timer, home);
        this.body = Objects.requireNonNull(body, "task body");
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        if (!STATE.compareAndSet(this, NEW, RUNNING)) {
            return; // aborted or timed out before it started: never runs
        }
        Callable<? extends T> b = body;
        body = null; // let the captured state go as soon as possible
        T value = null;
        Throwable failure = null;
        try {
            value = b.call();
        } catch (Throwable t) {
            failure = t;
        }
        boolean won = failure == null
                ? tryComplete(RUNNING, SUCCEEDED, value)
                : tryComplete(RUNNING, FAILED, failure);
        if (!won) {
            awaitAbortInterrupt();
        }
        runner = null;
    }

    @Override
    public void abandon(Throwable reason) {
        tryComplete(NEW, FAILED, reason);
        body = null;
    }

    @Override
    Thread runnerThread() {
        return runner;
    }
}
