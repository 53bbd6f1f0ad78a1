package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import java.time.Duration;

/**
 * A fixed-rate task: runs its body on a core dispatcher, then re-arms a timer for the next
 * planned start. Its handle completes only when aborted, when the body throws, or when it is
 * abandoned at shutdown.
 *
 * <h2>State</h2>
 * The {@link AbstractJoinHandle} word, cycling NEW → RUNNING → NEW between runs. Runs never
 * overlap: the next timer is armed only after the body returned and RUNNING → NEW succeeded.
 * An abort in NEW completes it (the pending timer is cancelled by the completion callback; if
 * it fires anyway, {@link #run()} sees a terminal state and does nothing). An abort in RUNNING
 * interrupts the body and wins the RUNNING → NEW race.
 */
final class PeriodicTask extends AbstractJoinHandle<Void> implements Task {
    private final CoreDispatcher dispatcher;
    private final Runnable body;
    private final long periodNanos;
    /** Planned start of the next run ({@link Timer#nanoTime()}); touched only by the running thread. */
    private long nextStart;
    private volatile Cancellable pendingTimer;
    private Thread runner;
    private final Task fire = new Task() {
        @Override
        public void run() {
            dispatcher.execute(PeriodicTask.this);
        }

        @Override
        public void abandon(Throwable reason) {
            PeriodicTask.this.abandon(reason);
        }
    };

    PeriodicTask(CoreDispatcher dispatcher, Timer timer, Runnable body, long periodNanos,
                 CurrentThreadDispatcher home) {
        super(timer, home);
        this.dispatcher = dispatcher;
        this.body = body;
        this.periodNanos = periodNanos;
        whenComplete((v, e) -> {
            Cancellable c = pendingTimer;
            if (c != null) {
                c.cancel();
            }
        });
    }

    void start(Duration initialDelay) {
        nextStart = timer.nanoTime() + initialDelay.toNanos();
        pendingTimer = timer.schedule(initialDelay, fire);
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        if (!STATE.compareAndSet(this, NEW, RUNNING)) {
            return; // aborted, or abandoned, before this run
        }
        try {
            body.run();
        } catch (Throwable t) {
            if (!tryComplete(RUNNING, FAILED, t)) {
                awaitAbortInterrupt();
            }
            return;
        }
        if (!STATE.compareAndSet(this, RUNNING, NEW)) {
            awaitAbortInterrupt(); // aborted during the run
            return;
        }
        long now = timer.nanoTime(); // the timer's clock: a manual clock moves the plan too
        long next = nextStart + periodNanos;
        if (next - now < 0) {
            next = now; // overran: no burst of catch-up runs
        }
        nextStart = next;
        try {
            pendingTimer = timer.schedule(Duration.ofNanos(next - now), fire);
        } catch (RuntimeException timerClosed) {
            // The timer abandoned the action (and so this task) already.
        }
        if (isFinished()) { // aborted while re-arming: make sure the new timer goes too
            Cancellable c = pendingTimer;
            if (c != null) {
                c.cancel();
            }
        }
    }

    @Override
    public void abandon(Throwable reason) {
        tryComplete(NEW, FAILED, reason);
    }

    @Override
    Thread runnerThread() {
        return runner;
    }
}
