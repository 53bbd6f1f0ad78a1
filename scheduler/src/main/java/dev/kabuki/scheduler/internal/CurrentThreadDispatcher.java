package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current-thread core dispatcher (Tokio's {@code current_thread} scheduler): no worker
 * threads. Tasks and actor activations run on the one thread that calls
 * {@link #blockOn(Callable)}, in FIFO order of scheduling, which makes runs deterministic for a
 * given program. For tests, and for embedding kabuki in a thread you already own.
 *
 * <h2>How work runs</h2>
 * <ol>
 *   <li>{@link #blockOn} runs its callable on the calling thread (the <em>driver</em>).</li>
 *   <li>Whenever code on the driver thread calls {@link JoinHandle#join()} on a pending handle,
 *       the driver runs queued tasks, oldest first, until that handle completes; with nothing
 *       queued it parks until work arrives or the handle completes (completed from a blocking
 *       thread, the timer, another thread).</li>
 *   <li>Tasks scheduled while no {@code blockOn} is running wait in the queue for the next one,
 *       or for {@link #shutdown}, which runs them on the closing thread (within its timeout).</li>
 * </ol>
 * Only one thread can drive at a time: a second concurrent {@code blockOn} fails with
 * {@link IllegalStateException}. Nested joins on the driver run other tasks re-entrantly, so a
 * task may join another task; a join cycle (A joins B, B joins A) still deadlocks, as it
 * would anywhere.
 *
 * <h2>Manual time</h2>
 * Built on a {@link ManualTimer} (the testkit's runtime; Tokio's {@code start_paused}), time
 * stands still until {@link #advance(Duration)}, and no thread fires timers by itself:
 * <ol>
 *   <li>{@code advance(d)} runs the ready tasks, then steps the timer through every deadline up
 *       to now + {@code d}, in order. At each step the clock stands at that deadline while the
 *       timers due then fire (equal deadlines in the order they were scheduled) and while
 *       every task that became ready runs, until none is ready. So a delayed task, a timed-out
 *       handle's callbacks, a message a timer sends and everything that message triggers all
 *       run before {@code advance} returns, each seeing the clock at its own deadline; a timer
 *       they schedule that falls within the span fires in the same call. One step fires the
 *       timers pending when it began; one that a timer action schedules for that same instant
 *       fires in the next step, after the tasks of this one (the wheel would put it on the next
 *       tick).</li>
 *   <li>{@link #runUntilIdle()} does the same without moving the clock: timers already due and
 *       every ready task.</li>
 *   <li>A timer due now (a zero delay) also fires when a join on the driver runs out of ready
 *       tasks. A join never moves the clock: a join on the driver whose handle waits for a
 *       later timer parks until the join's own (real-time) timeout, or for ever. Advance
 *       first, then join.</li>
 * </ol>
 * <b>Determinism, and its limits.</b> Given the same program, the same calls on the driver
 * produce the same order of timer firings and task runs, with no real sleeping: an advance of
 * an hour takes as long as the work it runs. What runs on other threads is not driven by the
 * manual clock: work on the blocking pool (and actors tagged blocking), and whatever another
 * thread does, runs in real time; what it hands back to this dispatcher runs at the driver's
 * next join, {@code runUntilIdle} or {@code advance}, whichever comes first after it arrives.
 * Real-time waits stay real: {@code join(Duration)}, the blocking pool's keep-alive, shutdown
 * timeouts.
 *
 * <p>Thread-safe: any thread may spawn into it; the queue is lock-free.
 */
public final class CurrentThreadDispatcher extends AbstractCoreDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(CurrentThreadDispatcher.class);
    private static final ThreadLocal<CurrentThreadDispatcher> DRIVING = new ThreadLocal<>();
    private static final VarHandle DRIVER;

    static {
        try {
            DRIVER = MethodHandles.lookup().findVarHandle(CurrentThreadDispatcher.class, "driver", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    private final Parker parker = new Parker();
    @SuppressWarnings("unused") // accessed through DRIVER
    private volatile Thread driver;
    private volatile DispatcherShutdown shutdownReport;
    /** Tasks running now on the driver (nested joins run tasks re-entrantly). */
    private volatile int running;
    /** The timer if it is a manual one, else null. */
    private final ManualTimer manualTimer;

    /**
     * @param name  the runtime's name, used in messages
     * @param timer the timer for {@code schedule} and handle timeouts; may be null. A
     *              {@link ManualTimer} puts the dispatcher on manual time (see the class
     *              comment): the dispatcher registers itself as the timer's completion
     *              dispatcher and to be woken when a timer falls due at once.
     */
    public CurrentThreadDispatcher(String name, Timer timer) {
        super(Objects.requireNonNull(name, "name"), timer);
        if (timer instanceof ManualTimer m) {
            this.manualTimer = m;
            // Every field is initialized; the volatile stores inside publish them.
            m.handCompletionsTo(this);
            m.wakeWhenDueNow(parker::unpark);
        } else {
            this.manualTimer = null;
        }
    }

    /**
     * A dispatcher named by the context's prefix, on the context's timer (a
     * {@link ManualTimer} for manual time). The context's hooks are not used: this flavour
     * starts no thread.
     */
    public CurrentThreadDispatcher(RuntimeContext context) {
        this(context.threadNamePrefix(), context.timer());
    }

    /** The dispatcher the given thread is driving, if any. */
    static CurrentThreadDispatcher drivenBy(Thread t) {
        return DRIVING.get();
    }

    /**
     * Runs {@code body} on the calling thread, with this dispatcher's tasks running on the same
     * thread whenever the body (or a task) joins a pending handle. Blocks until the body
     * returns.
     *
     * @return the body's value
     * @throws dev.kabuki.scheduler.TaskFailedException the body threw (the cause)
     * @throws IllegalStateException another thread is already driving this dispatcher, or it is
     *                               shut down
     */
    public <T> T blockOn(Callable<T> body) {
        Objects.requireNonNull(body, "body");
        if (closing) {
            throw new IllegalStateException("kabuki runtime '" + name + "' is shut down");
        }
        if (DRIVING.get() == this) {
            // Re-entrant blockOn from the driver: just run the body here.
            return runBody(body);
        }
        CurrentThreadDispatcher previous = DRIVING.get();
        if (!claimDriver()) {
            Thread d = driver;
            throw new IllegalStateException("blockOn is already running on thread '"
                    + (d == null ? "?" : d.getName())
                    + "'; a current-thread runtime has one driver at a time");
        }
        try {
            return runBody(body);
        } finally {
            releaseDriver(previous);
        }
    }

    /**
     * Makes the calling thread the driver, all at once: the {@code driver} field, the thread's
     * driving mark (what {@code join} consults) and the owner of the parker (whom a new task
     * wakes). Every path that runs this dispatcher's tasks goes through it.
     *
     * @return false if another thread drives
     */
    private boolean claimDriver() {
        Thread me = Thread.currentThread();
        if (!DRIVER.compareAndSet(this, null, me)) {
            return false;
        }
        DRIVING.set(this);
        parker.setOwner(me);
        return true;
    }

    /** Undoes {@link #claimDriver}; {@code previous}: what the thread drove before, or null. */
    private void releaseDriver(CurrentThreadDispatcher previous) {
        if (previous == null) {
            DRIVING.remove();
        } else {
            DRIVING.set(previous);
        }
        DRIVER.setVolatile(this, null);
    }

    /** Whether the calling thread drives this dispatcher and is running one of its tasks now. */
    public boolean isRunningTaskOnCallingThread() {
        return DRIVING.get() == this && running > 0;
    }

    /** Whether some thread drives this dispatcher now (is inside blockOn or shutdown). */
    boolean isDriven() {
        return driver != null;
    }

    /**
     * Runs queued tasks on the calling thread until {@code handle} completes or the deadline
     * ({@link System#nanoTime()}) passes. If another thread drives, that thread runs them: this
     * one waits, and takes over if it stops driving. Inside {@code blockOn} (on the driver), the
     * same as a timed join. For a runtime that must run its own tasks to shut down (stopping its
     * actors) from outside {@code blockOn}.
     *
     * @return whether the handle completed in time
     */
    public boolean runUntil(JoinHandle<?> handle, long deadline) {
        AbstractJoinHandle<?> h = (AbstractJoinHandle<?>) handle;
        while (!h.isFinished()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            if (DRIVING.get() == this) {
                runUntilFinished(h, true, remaining);
                continue;
            }
            CurrentThreadDispatcher previous = DRIVING.get();
            if (claimDriver()) {
                try {
                    runUntilFinished(h, true, remaining);
                } finally {
                    releaseDriver(previous);
                }
            } else {
                LockSupport.parkNanos(this, Math.min(remaining, DRIVER_POLL_NANOS));
            }
        }
        return true;
    }

    /**
     * Manual time: runs the ready tasks, then moves the {@link ManualTimer}'s clock forward by
     * {@code by} step by step, through every pending deadline in order; at each step it fires
     * the timers due then and runs every task that becomes ready until none is, so everything
     * that falls due within the span, and everything it triggers on this dispatcher, has run
     * when this returns (see the class comment for the guarantee and its limits). Afterwards
     * the clock reads the old time plus {@code by}. {@code advance(Duration.ZERO)} runs what is
     * due now.
     *
     * <p>Runs on the calling thread, which must be the driver (inside {@code blockOn}, or a
     * task it runs) or, if no thread drives, becomes the driver for the call. Blocks only while
     * the work runs. Time never goes back: an advance nested in a task that an outer advance
     * runs moves the clock on, and the outer one carries on from there.
     *
     * @throws IllegalArgumentException {@code by} is negative
     * @throws IllegalStateException    the dispatcher's timer is not a {@link ManualTimer}; another
     *                                  thread drives the dispatcher; called from a timer action;
     *                                  or the dispatcher is shut down
     */
    public void advance(Duration by) {
        final ManualTimer m = requireManualTimer("advance");
        final long target = m.targetAfter(by);
        drive("advance", () -> {
            runReady();
            while (m.step(target, true) >= 0) {
                runReady();
            }
        });
    }

    /**
     * Runs, on the calling thread, every ready task until none is ready, without moving the
     * clock; on manual time it also fires the timers due now (zero delays) and runs what they
     * make ready, until neither is left. A program that keeps itself busy forever (two tasks
     * that respawn each other) never lets it return.
     *
     * <p>The caller must be the driver or, if no thread drives, becomes it for the call.
     *
     * @throws IllegalStateException another thread drives the dispatcher, or it is shut down
     */
    public void runUntilIdle() {
        final ManualTimer m = manualTimer;
        drive("runUntilIdle", () -> {
            runReady();
            while (m != null && m.step(m.nanoTime(), true) >= 0) {
                runReady();
            }
        });
    }

    /** The manual timer, or null if the dispatcher runs on another timer (or none). */
    public ManualTimer manualTimer() {
        return manualTimer;
    }

    private ManualTimer requireManualTimer(String what) {
        if (manualTimer == null) {
            throw new IllegalStateException(what + " needs manual time, but kabuki runtime '"
                    + name + "' was built on " + (timer == null ? "no timer" : timer)
                    + "; build it on a ManualTimer");
        }
        return manualTimer;
    }

    /**
     * Runs {@code body} as the driver: directly if the calling thread drives already; else
     * claims the driver for the call (as {@link #runUntil} does) and releases it after.
     */
    private void drive(String what, Runnable body) {
        if (closing) {
            throw new IllegalStateException("kabuki runtime '" + name + "' is shut down");
        }
        CurrentThreadDispatcher previous = DRIVING.get();
        if (previous == this) {
            body.run();
            return;
        }
        if (!claimDriver()) {
            Thread d = driver;
            throw new IllegalStateException(what + "() called on thread '"
                    + Thread.currentThread().getName() + "' while thread '"
                    + (d == null ? "?" : d.getName()) + "' drives kabuki runtime '" + name
                    + "'; call it on the driving thread (inside blockOn) or while none drives");
        }
        try {
            body.run();
        } finally {
            releaseDriver(previous);
        }
    }

    /** Driver only: runs queued tasks, oldest first, until the queue is empty. */
    private void runReady() {
        Task t;
        while (!terminated && (t = queue.poll()) != null) {
            runOne(t);
        }
    }

    /** How often {@link #runUntil} checks whether the other driver has left. */
    private static final long DRIVER_POLL_NANOS = 1_000_000L;

    private <T> T runBody(Callable<T> body) {
        CallableTask<T> main = new CallableTask<>(body, timer);
        main.run();
        Thread.interrupted();
        return main.join();
    }

    /** Driver side of join: run queued tasks until {@code handle} completes (or time runs out). */
    void runUntilFinished(AbstractJoinHandle<?> handle, boolean timed, long nanos) {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        boolean wakeRegistered = false;
        while (!handle.isFinished()) {
            Task t = queue.poll();
            if (t != null) {
                runOne(t);
                continue;
            }
            if (terminated) {
                return;
            }
            // Manual time: fire the timers due now (never moving the clock) before waiting.
            // Non-strict: inside a step (a timer action joining) it fires nothing.
            final ManualTimer m = manualTimer;
            if (m != null && m.step(m.nanoTime(), false) >= 0) {
                continue;
            }
            if (!wakeRegistered) {
                handle.whenComplete((v, e) -> parker.unpark());
                wakeRegistered = true;
                continue; // re-check: it may have completed meanwhile
            }
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                parker.parkNanos(remaining);
            } else {
                parker.park();
            }
        }
    }

    private void runOne(Task t) {
        running++;
        try {
            t.run();
        } catch (Throwable e) {
            LOG.error("a task threw out of run(); tasks must not throw", e);
        } finally {
            running--;
        }
    }

    @Override
    public void execute(Task task) {
        Objects.requireNonNull(task, "task");
        if (terminated) {
            abandon(task, abandonedAtShutdown());
            return;
        }
        queue.offer(task);
        if (Thread.currentThread() != driver) {
            parker.unpark();
        }
        if (terminated) {
            abandonAll(queue::poll);
        }
    }

    /**
     * Queued for the driver while one is inside {@code blockOn}; with no driver, run on the
     * calling thread (the timer), since nothing would run it otherwise. A driver that leaves
     * between the check and the queueing leaves the completion for the next {@code blockOn} or
     * for {@link #shutdown}.
     */
    @Override
    public void executeCompletion(Task completion) {
        if (driver != null && !terminated) {
            execute(completion);
        } else {
            completion.run();
        }
    }

    @Override
    CurrentThreadDispatcher home() {
        return this;
    }

    /** Its queue is FIFO: the same as {@link #execute}. */
    @Override
    public void executeYielded(Task task) {
        execute(task);
    }

    /** On the driving thread: whether its queue holds a task. */
    @Override
    public boolean hasQueuedWork() {
        return DRIVING.get() != this || !queue.isEmpty();
    }

    @Override
    public DispatcherMetrics metrics() {
        int depth = queue.size();
        long alive = depth + timed.sum() + running;
        return new DispatcherMetrics(0, alive, 0, depth, List.of(depth), 0, 0, 0, 0);
    }

    /**
     * Shuts down: stops accepting spawns; if no {@code blockOn} is running, runs the queued
     * tasks on the calling thread until none is left or {@code timeout} has passed; then
     * abandons what is left (handles fail with a
     * {@link java.util.concurrent.RejectedExecutionException} cause). A task running on a
     * driver at the deadline is cancelled and its thread interrupted. Idempotent.
     */
    @Override
    public synchronized DispatcherShutdown shutdown(Duration timeout) {
        if (shutdownReport != null) {
            return shutdownReport;
        }
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        closing = true;
        boolean drained;
        Thread me = Thread.currentThread();
        CurrentThreadDispatcher previous = DRIVING.get();
        if (previous != this && claimDriver()) {
            try {
                Task t;
                while (System.nanoTime() - deadline < 0 && (t = queue.poll()) != null) {
                    runOne(t);
                }
            } finally {
                releaseDriver(previous);
            }
            drained = queue.isEmpty();
        } else {
            // Someone is driving (or we are inside blockOn): wait for the queue to empty.
            drained = awaitEmpty(deadline);
        }
        terminated = true;
        int interrupted = 0;
        Thread d = driver;
        if (d != null && d != me && !drained) {
            d.interrupt();
            interrupted++;
        }
        parker.unpark();
        abandonAll(queue::poll);
        DispatcherShutdown report = new DispatcherShutdown(drained, abandonedCount.get(), interrupted, 0);
        shutdownReport = report;
        return report;
    }

    private boolean awaitEmpty(long deadline) {
        while (!queue.isEmpty()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0 || DRIVING.get() == this) {
                return queue.isEmpty();
            }
            LockSupport.parkNanos(this, Math.min(remaining, 1_000_000L));
        }
        return true;
    }
}
