package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinInterruptedException;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion state machine shared by {@link CallableTask}, {@link PromiseHandle} and
 * {@link DerivedHandle}.
 *
 * <h2>State</h2>
 * One {@code int} word: a phase in the low three bits and one flag.
 * <pre>
 *   NEW ──run──▶ RUNNING ──body returns/throws──▶ COMPLETING ──▶ SUCCEEDED | FAILED
 *    │              │
 *    │              └──abort/timeout──▶ COMPLETING|INTERRUPTING ──▶ CANCELLED|INTERRUPTING
 *    │                                      (runner interrupted)  ──▶ CANCELLED (flag cleared)
 *    └──abort/timeout/complete/fail/abandon──▶ COMPLETING ──▶ CANCELLED | TIMED_OUT | SUCCEEDED | FAILED
 * </pre>
 * SUCCEEDED, FAILED, CANCELLED and TIMED_OUT are terminal. COMPLETING is the short window in
 * which the one thread that won the CAS writes {@link #result}.
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>{@code state}: CAS by whoever completes (runner, aborter, timer, promise owner); the
 *       winner alone then release-stores the terminal phase and, for an interrupting abort, clears
 *       INTERRUPTING.</li>
 *   <li>{@code result}: plain write by the CAS winner only, while COMPLETING.</li>
 *   <li>{@code completions}: a Treiber stack of callbacks and waiting threads, pushed by CAS from
 *       any thread; swapped for the {@code DONE} sentinel once, by the completer.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * The winner's plain write of {@code result} happens before its release store of the terminal
 * phase; any reader that sees a terminal phase (volatile read) therefore sees the result. The
 * completer stores the terminal phase before it swaps {@code completions} to {@code DONE}
 * (a volatile get-and-set), so a thread whose push fails on {@code DONE} re-reads a terminal
 * phase. A waiter that pushed before the swap is unparked by the completer, and it re-checks the
 * phase before every park: no lost wake-up.
 *
 * <h2>Interrupt hand-shake</h2>
 * An abort of a RUNNING task interrupts the runner thread. The runner, on losing the completion
 * CAS, spins until INTERRUPTING is clear and then clears its own interrupt status, so an
 * interrupt meant for this task can never hit the next task that thread runs.
 */
abstract class AbstractJoinHandle<T> implements JoinHandle<T> {
    private static final Logger LOG = LoggerFactory.getLogger(JoinHandle.class);

    static final int NEW = 0;
    static final int RUNNING = 1;
    static final int COMPLETING = 2;
    static final int SUCCEEDED = 3;
    static final int FAILED = 4;
    static final int CANCELLED = 5;
    static final int TIMED_OUT = 6;
    static final int PHASE = 0x7;
    static final int INTERRUPTING = 0x8;

    static final VarHandle STATE;
    private static final VarHandle COMPLETIONS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(AbstractJoinHandle.class, "state", int.class);
            COMPLETIONS = l.findVarHandle(AbstractJoinHandle.class, "completions", Completion.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Sentinel: the handle has completed and fired its completions. */
    private static final Completion DONE = new Completion() {
        @Override
        void fire(AbstractJoinHandle<?> handle) {
        }
    };

    private volatile int state;
    /** Value (SUCCEEDED), Throwable (FAILED) or message String (CANCELLED, TIMED_OUT). */
    private Object result;
    private volatile Completion completions;
    /** The timer {@link #orTimeout} uses; may be null. */
    final Timer timer;
    /**
     * The current-thread dispatcher whose driver runs the work this handle waits for, or null
     * (the work runs on threads of its own: workers, the blocking pool). A join outside that
     * dispatcher's {@code blockOn} while nobody drives it fails fast instead of waiting forever.
     */
    private final CurrentThreadDispatcher home;

    AbstractJoinHandle(Timer timer) {
        this(timer, null);
    }

    AbstractJoinHandle(Timer timer, CurrentThreadDispatcher home) {
        this.timer = timer;
        this.home = home;
    }

    // ---------------------------------------------------------------- completion

    /**
     * Completes the handle if its state is exactly {@code expect}.
     *
     * @return whether this call completed it
     */
    final boolean tryComplete(int expect, int outcome, Object value) {
        if (!STATE.compareAndSet(this, expect, COMPLETING)) {
            // Lost: wait out the winner's COMPLETING window, so that once this returns false
            // the handle is finished for every thread: a caller told "already completed" must
            // then read the winner's outcome, never PENDING (linearizability).
            while ((state & PHASE) == COMPLETING) {
                Thread.onSpinWait();
            }
            return false;
        }
        result = value;
        STATE.setRelease(this, outcome);
        fireCompletions();
        return true;
    }

    /**
     * Cancels or times out the handle from NEW or RUNNING; a RUNNING runner is interrupted.
     *
     * @return whether this call completed the handle
     */
    final boolean cancelWith(int outcome, String message) {
        for (;;) {
            int s = state;
            if (s == NEW) {
                if (tryComplete(NEW, outcome, message)) {
                    return true;
                }
            } else if (s == RUNNING) {
                if (STATE.compareAndSet(this, RUNNING, COMPLETING | INTERRUPTING)) {
                    result = message;
                    STATE.setRelease(this, outcome | INTERRUPTING);
                    Thread r = runnerThread();
                    if (r != null) {
                        r.interrupt();
                    }
                    state = outcome; // clears INTERRUPTING: only the winner writes now
                    fireCompletions();
                    return true;
                }
            } else if ((s & PHASE) == COMPLETING) {
                Thread.onSpinWait();
            } else {
                return false; // already terminal
            }
        }
    }

    /** The thread running the body, for interruption; null if there is none. */
    Thread runnerThread() {
        return null;
    }

    /** Runner side of the interrupt hand-shake: wait for the aborter, then clear the interrupt. */
    final void awaitAbortInterrupt() {
        while ((state & INTERRUPTING) != 0) {
            Thread.onSpinWait();
        }
        Thread.interrupted();
    }

    /** The current-thread dispatcher this handle's work runs on, or null; see the field. */
    final CurrentThreadDispatcher home() {
        return home;
    }

    final int stateVolatile() {
        return state;
    }

    /**
     * Runs on the completing thread once the terminal phase is stored, before the completions
     * fire: {@link PromiseHandle}'s construction-time hook. Nothing by default.
     */
    void beforeCallbacks(int terminalState) {
    }

    private void fireCompletions() {
        beforeCallbacks(state);
        Completion head = (Completion) COMPLETIONS.getAndSet(this, DONE);
        Completion reversed = null; // fire in registration order
        while (head != null) {
            Completion next = head.next;
            head.next = reversed;
            reversed = head;
            head = next;
        }
        for (Completion c = reversed; c != null; c = c.next) {
            c.fire(this);
        }
    }

    /** Pushes a completion; false if the handle has already completed. */
    private boolean push(Completion c) {
        for (;;) {
            Completion h = completions;
            if (h == DONE) {
                return false;
            }
            Completion top = h;
            while (top instanceof Waiter w && w.thread == null) {
                top = top.next; // unlink waiters that gave up (timed out, interrupted)
            }
            c.next = top;
            if (COMPLETIONS.compareAndSet(this, h, c)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- JoinHandle

    @Override
    public final boolean isFinished() {
        return (state & PHASE) >= SUCCEEDED;
    }

    @Override
    public final Outcome outcome() {
        return switch (state & PHASE) {
            case SUCCEEDED -> Outcome.SUCCEEDED;
            case FAILED -> Outcome.FAILED;
            case CANCELLED -> Outcome.CANCELLED;
            case TIMED_OUT -> Outcome.TIMED_OUT;
            default -> Outcome.PENDING;
        };
    }

    @Override
    public final T join() {
        int s = state;
        if ((s & PHASE) < SUCCEEDED) {
            s = awaitDone(false, 0L);
        }
        return report(s);
    }

    @Override
    public final T join(Duration timeout) {
        long nanos = timeout.toNanos();
        if (nanos < 0) {
            throw new IllegalArgumentException("join timeout must not be negative, got " + timeout);
        }
        int s = state;
        if ((s & PHASE) < SUCCEEDED) {
            s = awaitDone(true, nanos);
        }
        return report(s);
    }

    @Override
    public boolean abort() {
        return cancelWith(CANCELLED, "task was aborted");
    }

    @Override
    public final JoinHandle<T> orTimeout(Duration timeout) {
        long nanos = timeout.toNanos();
        if (nanos < 0) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        if (isFinished()) {
            return this;
        }
        if (timer == null) {
            throw new IllegalStateException("this handle has no timer; create it through a runtime");
        }
        Cancellable pending = timer.schedule(timeout, new TimeoutAction(this, timeout));
        whenComplete((v, e) -> pending.cancel());
        return this;
    }

    @Override
    public final JoinHandle<T> whenComplete(BiConsumer<? super T, ? super JoinException> callback) {
        Objects.requireNonNull(callback, "callback");
        Callback<T> c = new Callback<>(callback);
        if (!push(c)) {
            c.fire(this);
        }
        return this;
    }

    @Override
    public final <U> JoinHandle<U> map(Function<? super T, ? extends U> fn) {
        return DerivedHandle.map(this, fn);
    }

    @Override
    public final <U> JoinHandle<U> flatMap(Function<? super T, ? extends JoinHandle<U>> fn) {
        return DerivedHandle.flatMap(this, fn);
    }

    @Override
    public final JoinHandle<T> recover(Function<? super JoinException, ? extends T> fn) {
        return DerivedHandle.recover(this, fn);
    }

    @Override
    public final CompletableFuture<T> toCompletableFuture() {
        CompletableFuture<T> future = new CompletableFuture<>();
        future.whenComplete((v, e) -> {
            if (future.isCancelled()) {
                abort();
            }
        });
        whenComplete((v, e) -> {
            if (e == null) {
                future.complete(v);
            } else {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + outcome() + "]";
    }

    // ---------------------------------------------------------------- waiting

    @SuppressWarnings("unchecked")
    private T report(int s) {
        Object r = result;
        return switch (s & PHASE) {
            case SUCCEEDED -> (T) r;
            case FAILED -> throw new TaskFailedException((Throwable) r);
            case CANCELLED -> throw new TaskCancelledException((String) r);
            case TIMED_OUT -> throw new TaskTimeoutException((String) r);
            default -> throw new IllegalStateException("not finished: " + s);
        };
    }

    /** The exception join() would throw for a terminal state, or null on success. */
    final JoinException failureOf(int s) {
        Object r = result;
        return switch (s & PHASE) {
            case FAILED -> new TaskFailedException((Throwable) r);
            case CANCELLED -> new TaskCancelledException((String) r);
            case TIMED_OUT -> new TaskTimeoutException((String) r);
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    final T valueOf(int s) {
        return (s & PHASE) == SUCCEEDED ? (T) result : null;
    }

    private int awaitDone(boolean timed, long nanos) {
        Thread me = Thread.currentThread();
        if (me instanceof WorkerThread || me instanceof InlineSlot.HostThread) {
            throw new IllegalStateException("JoinHandle.join() called on "
                    + (me instanceof WorkerThread ? "core worker" : "I/O") + " thread '"
                    + me.getName() + "' while the task is still pending: blocking a core worker"
                    + " or an I/O thread can stall or deadlock the runtime. Compose with whenComplete(...) or"
                    + " toCompletableFuture() instead, or run the blocking code with"
                    + " spawnBlocking(...)");
        }
        CurrentThreadDispatcher driver = CurrentThreadDispatcher.drivenBy(me);
        if (driver != null) {
            driver.runUntilFinished(this, timed, nanos);
            return finishedOrTimeout(timed, nanos);
        }
        CurrentThreadDispatcher h = home;
        if (h != null && !h.isDriven()) {
            throw new IllegalStateException("JoinHandle.join() called on thread '" + me.getName()
                    + "', outside blockOn, while nothing drives the current-thread runtime '"
                    + h.name + "': the work this handle waits for runs only on the thread inside"
                    + " blockOn, so it would wait forever. Call join() inside system.blockOn(...),"
                    + " or compose with whenComplete(...)");
        }
        // Spin a little first: a reply that comes within microseconds (an ask) then needs no
        // unpark on the completer's side and no wake-up latency on ours. See BusyWait.
        long spin = timed ? Math.min(nanos, BusyWait.JOIN_SPIN_NANOS) : BusyWait.JOIN_SPIN_NANOS;
        long spinDeadline = System.nanoTime() + spin;
        for (int round = 1; spin > 0; round++) {
            int s = state;
            if ((s & PHASE) >= SUCCEEDED) {
                return s;
            }
            if (BusyWait.checkClock(round) && System.nanoTime() - spinDeadline >= 0) {
                break;
            }
            BusyWait.pause(round);
        }
        Waiter w = new Waiter(me);
        if (!push(w)) {
            return state;
        }
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        try {
            for (;;) {
                int s = state;
                if ((s & PHASE) >= SUCCEEDED) {
                    return s;
                }
                if (Thread.interrupted()) {
                    me.interrupt();
                    throw new JoinInterruptedException(null);
                }
                if (timed) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        throw joinTimeout(nanos);
                    }
                    LockSupport.parkNanos(this, remaining);
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            w.thread = null;
        }
    }

    private int finishedOrTimeout(boolean timed, long nanos) {
        int s = state;
        if ((s & PHASE) < SUCCEEDED) {
            if (timed) {
                throw joinTimeout(nanos);
            }
            throw new IllegalStateException("current-thread runtime stopped before the task finished");
        }
        return s;
    }

    private static JoinTimeoutException joinTimeout(long nanos) {
        return new JoinTimeoutException("join timed out after "
                + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms; the task is still running");
    }

    // ---------------------------------------------------------------- completion nodes

    abstract static class Completion {
        Completion next;

        abstract void fire(AbstractJoinHandle<?> handle);
    }

    private static final class Waiter extends Completion {
        volatile Thread thread;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        void fire(AbstractJoinHandle<?> handle) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    private static final class Callback<T> extends Completion {
        private final BiConsumer<? super T, ? super JoinException> callback;

        Callback(BiConsumer<? super T, ? super JoinException> callback) {
            this.callback = callback;
        }

        @Override
        @SuppressWarnings("unchecked")
        void fire(AbstractJoinHandle<?> handle) {
            AbstractJoinHandle<T> h = (AbstractJoinHandle<T>) handle;
            int s = h.stateVolatile();
            try {
                callback.accept(h.valueOf(s), h.failureOf(s));
            } catch (Throwable t) {
                LOG.warn("a JoinHandle completion callback threw; other callbacks still run", t);
            }
        }
    }

    /**
     * The timer shut down before this handle's {@link #orTimeout} could fire. Nothing by
     * default: a task's handle is abandoned by its own dispatcher at the same shutdown.
     * A handle that no dispatcher owns overrides it, or it would stay pending for ever.
     */
    void timeoutAbandoned(Duration timeout, Throwable reason) {
    }

    /**
     * Timer action of {@link #orTimeout}: times the handle out. The timer thread only hands the
     * completion on ({@link Timer#handOff}), so the handle's callbacks never run on it.
     */
    private static final class TimeoutAction implements Task {
        private final AbstractJoinHandle<?> handle;
        private final Duration timeout;
        /** Set on the timer thread before the hand-off, which publishes it. */
        private boolean handedOff;

        TimeoutAction(AbstractJoinHandle<?> handle, Duration timeout) {
            this.handle = handle;
            this.timeout = timeout;
        }

        @Override
        public void run() {
            if (!handedOff) {
                handedOff = true;
                handle.timer.handOff(this);
                return;
            }
            handle.cancelWith(TIMED_OUT, "task timed out after " + timeout.toMillis() + " ms");
        }

        @Override
        public void abandon(Throwable reason) {
            if (handedOff) {
                run(); // due, but the dispatcher is gone: time it out here
                return;
            }
            handle.timeoutAbandoned(timeout, reason);
        }
    }
}
