package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The look-out of a {@link WorkStealingDispatcher} for a worker stuck in one task with work
 * queued behind it while the other workers are parked (Go's {@code sysmon} does the same for its
 * processors). Its own thread, {@code <prefix>-monitor}, which runs no task.
 *
 * <h2>Why it is needed</h2>
 * A task a worker schedules goes to that worker's LIFO slot and wakes nobody, so that a request
 * and its response stay on one core. If the task that scheduled it then runs long (it blocks, or
 * computes for a long time), the slot's task waits for it. A searching worker takes it at the
 * end of its busy-wait ({@code Worker.stealWork}), but a worker that parked before the task was
 * put there never looks again: nothing wakes it, and with every other worker parked the task
 * would wait as long as the task in front of it runs, for ever if that one waits for it.
 *
 * <h2>What it does</h2>
 * Every {@link #PERIOD_NANOS} it reads, for each worker, its count of tasks started, whether it
 * is inside a task, and whether it holds local work (LIFO or deferred slot, local queue). A worker
 * whose count has not moved since the previous look, that is inside a task and holds local work
 * has been in one task for at least a period with work behind it: the monitor wakes a parked
 * worker ({@link WorkStealingDispatcher#notifyParked()}), which searches and, at the end of its
 * busy-wait, takes the stuck worker's work (a searcher takes slots only from a worker that
 * started no task during its busy-wait; the queue it steals from anyway). A task held behind a
 * stuck one thus runs elsewhere after one to two periods. Reads are opaque: a stale one only
 * delays the rescue by a period or wakes a worker that finds nothing; the take itself is an
 * atomic exchange, so a task still runs exactly once.
 *
 * <h2>Sleeping without a lost wake-up</h2>
 * After {@link #IDLE_LOOKS_BEFORE_SLEEP} looks in a row that found every worker parked, it parks
 * without a timeout, so an idle runtime wakes no thread. Whoever takes a worker out of the
 * parked set (a volatile read-modify-write of {@link IdleWorkers}' state) then calls
 * {@link #wakeIfAsleep()}, which reads {@code asleep} (volatile). Going to sleep writes
 * {@code asleep} (volatile), then reads that state. Both pairs are sequentially consistent, so
 * either the monitor sees an unparked worker and stays awake, or the waker sees it asleep and
 * wakes it. A worker that is unparked when the monitor sleeps is therefore looked at again
 * within a period of it leaving the parked set.
 *
 * <p>Thread-safety: {@link #wakeIfAsleep()} from any thread; {@link #look()} and
 * {@link #trySleep()} from the monitor thread only (or one test thread in its place);
 * {@link #start()} and {@link #stop(long)} by the dispatcher.
 */
final class StuckWorkerMonitor implements Runnable {
    /** How often it looks while any worker is unparked: 10 ms, Go's {@code sysmon} bound. */
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Looks in a row with every worker parked before it sleeps until a worker is unparked. */
    static final int IDLE_LOOKS_BEFORE_SLEEP = 5;

    private static final VarHandle ASLEEP;

    static {
        try {
            ASLEEP = MethodHandles.lookup().findVarHandle(StuckWorkerMonitor.class, "asleep", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final WorkStealingDispatcher.Worker[] workers;
    private final IdleWorkers idle;
    /** {@link WorkStealingDispatcher#notifyParked()}: wakes a parked worker if none searches. */
    private final Runnable notifyParked;
    private final Thread thread;
    /** Each worker's count of tasks started at the previous look; monitor thread only. */
    private final long[] runsSeen;
    /** Looks in a row that found every worker parked; monitor thread only. */
    private int idleLooks;
    private volatile boolean asleep;
    private volatile boolean stopped;

    StuckWorkerMonitor(WorkStealingDispatcher.Worker[] workers, IdleWorkers idle, Runnable notifyParked,
                       ThreadHooks hooks, String threadName) {
        this.workers = workers;
        this.idle = idle;
        this.notifyParked = notifyParked;
        this.runsSeen = new long[workers.length];
        this.thread = new Thread(hooks.around(this), threadName);
        thread.setDaemon(true); // it never holds work: the workers keep the process alive
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (!stopped) {
            if (idleLooks >= IDLE_LOOKS_BEFORE_SLEEP && trySleep()) {
                while (asleep && !stopped) {
                    LockSupport.park(this);
                }
                idleLooks = 0;
            } else {
                LockSupport.parkNanos(this, PERIOD_NANOS);
            }
            if (!stopped) {
                look();
            }
        }
    }

    /** One look at every worker (see the class note). Monitor thread only. */
    void look() {
        WorkStealingDispatcher.Worker[] ws = workers;
        boolean stuck = false;
        for (int i = 0; i < ws.length; i++) {
            long runs = ws[i].runsStarted();
            if (runs == runsSeen[i] && ws[i].inTask() && ws[i].hasLocalWork()) {
                stuck = true;
            }
            runsSeen[i] = runs;
        }
        idleLooks = idle.unparkedCount() == 0 ? idleLooks + 1 : 0;
        if (stuck) {
            notifyParked.run();
        }
    }

    /**
     * Announces the sleep, then checks that every worker is still parked; if one is not, takes
     * the announcement back. Monitor thread only.
     *
     * @return true if the caller may park until {@link #wakeIfAsleep()} clears {@code asleep}
     */
    boolean trySleep() {
        asleep = true; // volatile store, then the volatile read below: see the class note
        if (idle.unparkedCount() > 0) {
            asleep = false;
            return false;
        }
        return true;
    }

    /**
     * Wakes the monitor if it sleeps. Called after a worker left the parked set, by whoever took
     * it out. Any thread; one volatile read when the monitor is awake.
     *
     * @return whether this call woke it
     */
    boolean wakeIfAsleep() {
        if (asleep && ASLEEP.compareAndSet(this, true, false)) {
            LockSupport.unpark(thread);
            return true;
        }
        return false;
    }

    /** Whether the monitor is asleep (parked with no timeout, or about to be); for tests. */
    boolean isAsleep() {
        return asleep;
    }

    /**
     * Stops the thread and waits at most {@code waitMillis} for it to end.
     *
     * @return whether the thread has ended
     */
    boolean stop(long waitMillis) {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Math.max(1, waitMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
