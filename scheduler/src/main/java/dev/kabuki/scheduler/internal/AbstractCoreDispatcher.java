package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What both core flavours share: spawning, delayed and periodic tasks, and abandoning what is
 * left at shutdown.
 *
 * <p>Alive tasks are not counted per spawn: a counter would put an atomic write on the spawning
 * thread and another on the worker into every task's path, and make every spawner and worker
 * write one shared cache line. A flavour derives the figure from its queues and running tasks
 * instead, plus {@link #timed}, the tasks waiting in the timer.
 */
abstract class AbstractCoreDispatcher implements CoreDispatcher {
    /** Tasks waiting in the timer: delayed tasks not yet due, periodic tasks until they end. */
    final LongAdder timed = new LongAdder();
    final Timer timer;
    final String name;
    /** Set once shutdown begins: spawns are rejected from then on. */
    volatile boolean closing;
    /** Set once the drain is over: execute() abandons from then on. */
    volatile boolean terminated;
    final AtomicInteger abandonedCount = new AtomicInteger();

    AbstractCoreDispatcher(String name, Timer timer) {
        this.name = name;
        this.timer = timer;
    }

    @Override
    public final Timer timer() {
        return timer;
    }

    /** The current-thread dispatcher whose driver runs this dispatcher's tasks, or null. */
    CurrentThreadDispatcher home() {
        return null;
    }

    final RejectedExecutionException spawnRejected() {
        return new RejectedExecutionException("kabuki runtime '" + name
                + "' is shut down; the task was not run");
    }

    final RejectedExecutionException abandonedAtShutdown() {
        return new RejectedExecutionException("kabuki runtime '" + name
                + "' shut down before the task ran");
    }

    final void abandon(Task task, Throwable reason) {
        abandonedCount.incrementAndGet();
        try {
            task.abandon(reason);
        } catch (Throwable t) {
            LoggerHolder.LOG.error("Task.abandon threw; tasks must not throw", t);
        }
    }

    /**
     * Abandons every task {@code poll} hands out, until it returns null, each with its own
     * {@link #abandonedAtShutdown()} cause: a queue emptied at shutdown, or by a producer that
     * raced with termination (whoever polls a task abandons it, so each is abandoned once).
     */
    final void abandonAll(Supplier<Task> poll) {
        Task t;
        while ((t = poll.get()) != null) {
            abandon(t, abandonedAtShutdown());
        }
    }

    @Override
    public final <T> JoinHandle<T> spawn(Callable<T> body) {
        CallableTask<T> task = new CallableTask<>(body, timer, home());
        if (closing) {
            task.abandon(spawnRejected());
        } else {
            execute(task);
        }
        return task;
    }

    @Override
    public final JoinHandle<Void> spawn(Runnable body) {
        Objects.requireNonNull(body, "task body");
        return spawn(() -> {
            body.run();
            return null;
        });
    }

    @Override
    public final <T> Promise<T> promise() {
        return new PromiseHandle<>(timer, null, home());
    }

    private Timer requireTimer() {
        if (timer == null) {
            throw new IllegalStateException("this dispatcher was built without a timer");
        }
        return timer;
    }

    @Override
    public final <T> JoinHandle<T> schedule(Duration delay, Callable<T> body) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + delay);
        }
        Timer t = requireTimer();
        CallableTask<T> task = new CallableTask<>(body, t, home());
        if (closing) {
            task.abandon(spawnRejected());
            return task;
        }
        timed.increment();
        Cancellable pending = t.schedule(delay, new DispatchAction(this, task));
        task.whenComplete((v, e) -> {
            if (pending.cancel()) {
                timed.decrement(); // completed (aborted) before it was due: never dispatched
            }
        });
        return task;
    }

    @Override
    public final JoinHandle<Void> scheduleAtFixedRate(Duration initialDelay, Duration period,
                                                      Runnable body) {
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative, got " + initialDelay);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        Timer t = requireTimer();
        PeriodicTask task = new PeriodicTask(this, t, Objects.requireNonNull(body, "task body"),
                period.toNanos(), home());
        timed.increment();
        task.whenComplete((v, e) -> timed.decrement());
        if (closing) {
            task.abandon(spawnRejected());
            return task;
        }
        task.start(initialDelay);
        return task;
    }

    /** Timer action that hands a due delayed task to its dispatcher. */
    static final class DispatchAction implements Task {
        private final AbstractCoreDispatcher dispatcher;
        private final Task task;

        DispatchAction(AbstractCoreDispatcher dispatcher, Task task) {
            this.dispatcher = dispatcher;
            this.task = task;
        }

        @Override
        public void run() {
            dispatcher.execute(task); // queued (counted there) before it stops counting as timed
            dispatcher.timed.decrement();
        }

        @Override
        public void abandon(Throwable reason) {
            dispatcher.timed.decrement();
            task.abandon(reason);
        }
    }

    static final class LoggerHolder {
        static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CoreDispatcher.class);
    }
}
