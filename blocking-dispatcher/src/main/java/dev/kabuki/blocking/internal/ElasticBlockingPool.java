package dev.kabuki.blocking.internal;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.CallableTask;
import dev.kabuki.scheduler.internal.ManualTimer;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.ThreadHooks;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An elastic pool of threads for blocking work (Tokio's blocking pool): threads are created on
 * demand up to a cap, work beyond the cap waits in a FIFO queue, and a thread that has been idle
 * for the keep-alive time exits.
 *
 * <pre>{@code
 * try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(64).build()) {
 *     JoinHandle<String> text = pool.spawnBlocking(() -> Files.readString(path));
 *     System.out.println(text.join());
 * }
 * }</pre>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>A submitted task goes to an idle pool thread if one is waiting; otherwise to a new thread
 *       if fewer than {@code maxBlockingThreads} exist; otherwise to the end of the queue. Queued
 *       tasks start in submission order (FIFO) as threads become free.</li>
 *   <li>Every task ends in exactly one {@link Task#run()} or {@link Task#abandon(Throwable)}:
 *       a task is never silently dropped. It is abandoned when the pool is shut down, when the
 *       bounded queue is full, or when the thread that was to run it could not be created.</li>
 *   <li>Pool threads are named {@code <threadNamePrefix>-blocking-N}, N counting from 0 in
 *       creation order and never reused. They are non-daemon threads of normal priority, and do
 *       not inherit {@code InheritableThreadLocal} values from the thread that submitted the
 *       task that started them. An unclosed pool whose threads are idle keeps the JVM alive for
 *       at most {@code threadKeepAlive}.</li>
 *   <li>An exception thrown by a task's {@code run} or {@code abandon} (both forbidden by the
 *       {@link Task} contract) is logged and never kills a pool thread. A thread's interrupt
 *       status is cleared between tasks, so an interrupt meant for one task never reaches the
 *       next.</li>
 * </ul>
 *
 * <h2>Where it differs from what you may expect</h2>
 * <ul>
 *   <li><b>Thread-creation failure fails the task, it does not queue it.</b> If a new thread
 *       cannot be started (typically {@code OutOfMemoryError: unable to create native thread}
 *       under a process or container thread limit), the task it was for is abandoned with that
 *       error as the cause (its handle fails) and a warning is logged; if no pool thread is left
 *       at all, every queued task is abandoned the same way.</li>
 *   <li><b>Aborting a queued handle does not shrink the queue</b>: the task stays queued (and
 *       counted in {@link #metrics()}) until a thread takes it, sees it was aborted, and drops it
 *       without running its body.</li>
 *   <li><b>A forced shutdown interrupts running tasks</b>; it cannot stop a task that ignores
 *       interruption. See {@link #shutdown(Duration)}.</li>
 * </ul>
 *
 * <h2>Thread safety and blocking</h2>
 * Every method may be called from any thread. {@link #execute}, {@link #spawnBlocking} and
 * {@link #metrics} never wait for other tasks; they may start a thread. Only
 * {@link #shutdown(Duration)}, {@link #shutdownNow()} and {@link #close()} block, for a bounded
 * time. Submission is lock-free: no global lock is taken on the submit or run paths.
 */
public final class ElasticBlockingPool implements AutoCloseable {

    /*
     * Design note
     * ===========
     *
     * State
     * -----
     * queue   LinkedTransferQueue<Task>: the lock-free FIFO hand-off queue. A dual queue: while a
     *         thread waits in poll(), tryTransfer() hands a task straight to it; while tasks wait,
     *         no thread is polling, so a hand-off can never overtake a queued task (FIFO holds).
     * ctl     AtomicLong: bit 62 CLOSED, bit 61 STOPPED, low 61 bits = accepted tasks not yet
     *         finished (queued, being handed over, or running). One word so that "closed" and
     *         "count reaches zero" are read together: no Dekker race in the drain wait.
     * live    AtomicInteger: thread slots in use, each held by a pool thread in its work loop or by
     *         a submitter that is creating the thread. Never exceeds maxThreads (CAS-guarded).
     * idle    AtomicInteger: threads inside queue.poll(); metrics only.
     * queued  AtomicLong: tasks a polling thread may receive (LTQ.size() is O(n)). A submitter
     *         reserves one before tryTransfer, so hand-offs and queued tasks are counted alike,
     *         and the capacity check is exact: a task is queued only if its reservation is
     *         within blockingQueueCapacity.
     * workers Set<Worker> of every started thread not yet pruned, so shutdown can interrupt and
     *         join them. Pruned (only ended threads) when a new thread is created.
     *
     * Who writes what
     * ---------------
     * ctl     count: +1 by execute (always, even on a closed pool, then -1 at once); -1 by whoever
     *         ends a task: the worker after run(), or the abandoner. Flags: shutdown only.
     * live    +1 (CAS below the cap) by a submitter starting a thread, by a timed-out worker that
     *         finds work queued, or by a dying worker's replacement; -1 by a worker leaving its
     *         loop or by a submitter whose thread could not be started.
     * queued  +1 by execute (reservation); -1 by execute when the task went to a new thread or
     *         was rejected, by a worker per task polled, by whoever drains the queue.
     *
     * Invariants
     * ----------
     * I1  live <= maxThreads; a thread runs tasks only while it holds a slot.
     * I2  No stranded task: while a task sits in the queue, either some slot holder will still
     *     read the queue, or the task is abandoned. Argument:
     *       - A submitter that queues a task offers it first, THEN reads live; if live < max it
     *         takes a slot and starts a thread (which will poll).
     *       - A worker whose poll timed out decrements live first, THEN reads queue.isEmpty();
     *         if not empty (and not stopped) it takes its slot back (CAS, only below the cap)
     *         and polls again. If the CAS finds live == max, every slot has a holder that has not
     *         yet made this same check, so one of them will.
     *       - All four accesses are atomics (sequentially consistent synchronization actions).
     *         If the submitter read live == max, its read came before the decrement of some
     *         holder, so its offer came before that holder's isEmpty read: the holder sees the
     *         task. If the holder's isEmpty missed the task, its decrement came before the
     *         submitter's read: the submitter sees live < max and starts a thread. Either way a
     *         thread will poll the task.
     *       - A submitter whose thread could not be started gives its slot back and, if live is
     *         then 0, drains and abandons the queue itself (no holder is left to read it).
     *       - A worker leaving its loop because of an Error outside any task gives its slot back
     *         and, if the queue is not empty, starts a replacement (same check as a submitter).
     * I3  Every accepted task is counted in ctl until it ran or was abandoned, so "count == 0
     *     after CLOSED" means drained.
     * I4  After STOPPED no task starts running: workers abandon what they take, submitters drain
     *     what they offered, and no new thread is started (checked after taking the slot).
     *
     * Memory ordering
     * ---------------
     * All shared state is in java.util.concurrent atomics and queues; every access is volatile
     * or a CAS. I2 and the shutdown hand-shakes are store-then-load patterns across two variables
     * (offer/live, live/queue, STOPPED/live, STOPPED/workers), which need sequential
     * consistency; release/acquire would not do. A task's fields are published to its thread by
     * the queue (offer happens-before the poll that returns it) or by Thread.start().
     */

    private static final Logger LOG = LoggerFactory.getLogger(ElasticBlockingPool.class);

    /** Default {@code maxBlockingThreads}: 512. */
    public static final int DEFAULT_MAX_BLOCKING_THREADS = 512;
    /** Largest accepted {@code maxBlockingThreads}: 32767. */
    public static final int MAX_BLOCKING_THREADS_LIMIT = 32767;
    /** Default {@code threadKeepAlive}: 10 seconds. */
    public static final Duration DEFAULT_THREAD_KEEP_ALIVE = Duration.ofSeconds(10);
    /** Default {@code blockingQueueCapacity}: {@link Integer#MAX_VALUE}, meaning unbounded. */
    public static final int DEFAULT_BLOCKING_QUEUE_CAPACITY = Integer.MAX_VALUE;
    /** Timeout {@link #close()} passes to {@link #shutdown(Duration)}: 30 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Shortest extra wait for threads to end after a forced stop (step 5 of shutdown). */
    static final long MIN_THREAD_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longest extra wait for threads to end after a forced stop (step 5 of shutdown). */
    static final long MAX_THREAD_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final long CLOSED = 1L << 62;
    private static final long STOPPED = 1L << 61;
    private static final long COUNT = STOPPED - 1;

    private final int maxThreads;
    private final long keepAliveNanos;
    /** The manual clock the keep-alive follows, when the runtime is on manual time; else null. */
    private final ManualTimer manualClock;
    /** Real time between two looks at the manual clock while idle on manual time. */
    static final long MANUAL_CLOCK_CHECK_MILLIS = 10;
    private final long capacity;
    private final String namePrefix;
    private final ThreadHooks hooks;
    private final Timer timer;
    private final ThreadFactory threadFactory;

    private final LinkedTransferQueue<Task> queue;
    private final AtomicLong ctl = new AtomicLong();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong threadSequence = new AtomicLong();
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    /** Tasks abandoned because of the stop (step 3 and after); for the shutdown report. */
    private final AtomicInteger abandonedAtStop = new AtomicInteger();

    /** Guards {@link #stateChanged}: signalled when the task count or live count falls. */
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition stateChanged = waitLock.newCondition();
    /** Serialises shutdown callers; guards {@link #report}. */
    private final Object shutdownMonitor = new Object();
    private BlockingPoolShutdown report;

    private ElasticBlockingPool(Builder b) {
        this.maxThreads = b.maxBlockingThreads;
        this.keepAliveNanos = saturatedNanos(b.threadKeepAlive);
        this.manualClock = b.context.timer() instanceof ManualTimer m ? m : null;
        this.capacity = b.blockingQueueCapacity;
        this.namePrefix = b.context.threadNamePrefix() + "-blocking-";
        this.hooks = b.context.hooks();
        this.timer = b.context.timer();
        this.threadFactory = b.threadFactory;
        this.queue = Objects.requireNonNull(b.handOffQueue.get(), "hand-off queue");
    }

    /** A builder with every setting at its default. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ submission

    /**
     * Runs {@code task.run()} on a pool thread: an idle one if any is waiting, else a new one if
     * fewer than {@code maxBlockingThreads} exist, else the first free one after every task
     * queued before it (FIFO). If the task will never run, {@code task.abandon(cause)} is called
     * instead, on the calling thread or later on a pool or shutdown thread, with:
     * <ul>
     *   <li>{@link RejectedExecutionException} "blocking pool is shut down" if shutdown has
     *       begun (at once, on the calling thread);</li>
     *   <li>{@link RejectedExecutionException} naming {@code blockingQueueCapacity} if the task
     *       would have to queue and the bounded queue is full (at once);</li>
     *   <li>the {@link Throwable} thrown while starting the thread meant for it (at once), or for
     *       a queued task when thread creation failed and no pool thread was left;</li>
     *   <li>{@link RejectedExecutionException} "blocking pool shut down before this task ran" if
     *       it was still queued when a shutdown's timeout ran out.</li>
     * </ul>
     * Never blocks waiting for other tasks; lock-free. Thread-safe.
     *
     * @param task what to run; must not throw from {@code run} or {@code abandon}
     * @throws NullPointerException if {@code task} is null
     */
    public void execute(Task task) {
        execute(task, false);
    }

    /**
     * {@link #execute(Task)} for work whose count is bounded elsewhere (the activation of an
     * actor tagged blocking: at most one per actor at a time): never refused for
     * {@code blockingQueueCapacity}, so such work cannot be lost to a full queue while there is
     * a thread that will run it. It is still abandoned when the pool is shut down or no thread
     * can be made. Never blocks; thread-safe.
     */
    public void executeUncapped(Task task) {
        execute(task, true);
    }

    private void execute(Task task, boolean uncapped) {
        Objects.requireNonNull(task, "task");
        if ((ctl.getAndIncrement() & CLOSED) != 0) {
            abandon(task, new RejectedExecutionException("blocking pool is shut down"));
            finished();
            return;
        }
        // Reserve a queue slot first: every task a polling thread can receive is counted.
        final long reserved = queued.incrementAndGet();
        if (queue.tryTransfer(task)) {
            return; // an idle thread took it; it releases the reservation
        }
        final AtomicInteger live = this.live;
        final int max = maxThreads;
        for (int n = live.get(); n < max; n = live.get()) {
            if (live.compareAndSet(n, n + 1)) {
                queued.decrementAndGet();
                startThread(task);
                return;
            }
        }
        if (reserved > capacity && !uncapped) {
            queued.decrementAndGet();
            abandon(task, new RejectedExecutionException("blocking queue is full: "
                    + "blockingQueueCapacity=" + capacity + " tasks are already waiting for one of "
                    + "maxBlockingThreads=" + max + " busy threads"));
            finished();
            return;
        }
        queue.offer(task);
        // Offer, THEN read (I2, I4): pairs with a timed-out worker's decrement-then-isEmpty and
        // with shutdown's STOPPED-then-drain.
        if ((ctl.get() & STOPPED) != 0) {
            abandonQueued(new RejectedExecutionException("blocking pool shut down before this task ran"), true);
            return;
        }
        startThreadIfBelowCap();
    }

    /**
     * Runs {@code body} on a pool thread (see {@link #execute(Task)}) and returns its handle.
     * The handle fails with the body's exception as cause, or with the abandon cause if the body
     * never runs (pool shut down, queue full, thread creation failed). {@link JoinHandle#abort()}
     * on a queued handle means the body never runs; on a running one it interrupts the pool
     * thread. {@link JoinHandle#orTimeout(Duration)} needs the context's timer
     * ({@link Builder#context}; without one it throws {@link IllegalStateException}). Never
     * blocks; thread-safe.
     *
     * @param body what to run; it may block
     * @param <T>  its value type
     * @return the handle of its outcome
     * @throws NullPointerException if {@code body} is null
     */
    public <T> JoinHandle<T> spawnBlocking(Callable<T> body) {
        // The pool counts every task itself (ctl), so the task needs no alive counter of its own.
        CallableTask<T> task = new CallableTask<>(body, timer);
        execute(task);
        return task;
    }

    /**
     * Whether tasks wait in the queue for a thread (every thread is busy). A blocking actor that
     * used up its throughput with messages left asks this to decide whether to give its thread
     * back. A racy snapshot; never blocks; any thread.
     */
    public boolean hasQueuedWork() {
        return queued.get() > 0;
    }

    /** A snapshot of the pool's counters (see {@link BlockingPoolMetrics}). Never blocks. */
    public BlockingPoolMetrics metrics() {
        return new BlockingPoolMetrics(live.get(), idle.get(), Math.max(0L, queued.get()),
                Math.max(0L, ctl.get() & COUNT));
    }

    // ------------------------------------------------------------------ threads

    /** Takes a free slot, if any, and starts a thread with no first task (it polls the queue). */
    private void startThreadIfBelowCap() {
        final AtomicInteger live = this.live;
        final int max = maxThreads;
        for (int n = live.get(); n < max; n = live.get()) {
            if (live.compareAndSet(n, n + 1)) {
                startThread(null);
                return;
            }
        }
    }

    /** Starts a pool thread in the slot the caller has just taken; {@code first} may be null. */
    private void startThread(Task first) {
        // Slot taken, THEN read STOPPED (I4): pairs with shutdown's STOPPED-then-read-live, so
        // shutdown never misses a thread that is about to start.
        if ((ctl.get() & STOPPED) != 0) {
            releaseSlot();
            if (first != null) {
                abandonedAtStop.incrementAndGet();
                abandon(first, new RejectedExecutionException("blocking pool shut down before this task ran"));
                finished();
            }
            return;
        }
        Worker w = new Worker(first);
        try {
            Thread t = threadFactory.newThread(w);
            if (t == null) {
                throw new IllegalStateException("the thread factory returned null");
            }
            t.setName(namePrefix + threadSequence.getAndIncrement());
            t.setDaemon(false);
            t.setPriority(Thread.NORM_PRIORITY);
            w.thread = t;
            pruneEndedWorkers();
            workers.add(w);
            t.start();
        } catch (Throwable e) {
            workers.remove(w);
            threadStartFailed(w.takeFirst(), e);
        }
    }

    private void threadStartFailed(Task first, Throwable cause) {
        int left = releaseSlot();
        LOG.warn("blocking pool could not start a thread ({} still live, maxBlockingThreads={});"
                + " the task it was for is abandoned with this cause", left, maxThreads, cause);
        if (first != null) {
            abandon(first, cause);
            finished();
        }
        if (left == 0) {
            // No slot holder is left to read the queue (I2): abandon what is queued.
            int n = abandonQueued(cause, false);
            if (n > 0) {
                LOG.warn("blocking pool has no thread left: abandoned {} queued tasks", n);
            }
        }
    }

    /** The default thread factory: inherits no InheritableThreadLocal values from the submitter. */
    private static Thread newPlainThread(Runnable r) {
        return new Thread(null, r, "kabuki-blocking", 0L, false);
    }

    /** Forgets workers whose threads have ended; only when there may be some. */
    private void pruneEndedWorkers() {
        if (workers.size() > live.get() + 16) {
            workers.removeIf(w -> w.ended && !w.thread.isAlive());
        }
    }

    /**
     * The idle wait of a pool on manual time (a test runtime's {@link ManualTimer}): the
     * keep-alive runs out when the manual clock has moved {@code keepAlive} past the start of the
     * wait, not after real time. The thread looks at the clock every
     * {@value #MANUAL_CLOCK_CHECK_MILLIS} ms of real time between polls, so an advance past the
     * keep-alive ends the wait within that much real time. Returns a task, or null when the
     * keep-alive has run out (or the pool is stopping).
     */
    private Task pollOnManualClock(LinkedTransferQueue<Task> q, long keepAlive) throws InterruptedException {
        final long start = manualClock.nanoTime();
        for (;;) {
            Task t = q.poll(MANUAL_CLOCK_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            if (t != null || manualClock.nanoTime() - start >= keepAlive || (ctl.get() & STOPPED) != 0) {
                return t;
            }
        }
    }

    /** Gives a slot back; returns the live count after. */
    private int releaseSlot() {
        int n = live.decrementAndGet();
        if (n <= 1 && (ctl.get() & STOPPED) != 0) {
            signalStateChanged(); // shutdown step 5 may be waiting for live to fall
        }
        return n;
    }

    /** A worker's loop: first task, then poll the queue until keep-alive runs out or stop. */
    private void workLoop(Worker w) {
        boolean holdsSlot = true;
        Throwable dying = null;
        try {
            Task t = w.takeFirst();
            if (t != null) {
                runTask(w, t);
            }
            final LinkedTransferQueue<Task> queue = this.queue;
            final long keepAlive = keepAliveNanos;
            for (;;) {
                Thread.interrupted(); // an interrupt meant for the last task must not hit the next
                if ((ctl.get() & STOPPED) != 0) {
                    break;
                }
                t = null;
                boolean interrupted = false;
                idle.incrementAndGet();
                try {
                    t = manualClock == null ? queue.poll(keepAlive, TimeUnit.NANOSECONDS)
                            : pollOnManualClock(queue, keepAlive);
                } catch (InterruptedException e) {
                    interrupted = true; // shutdown (re-checked above) or a stray interrupt
                } finally {
                    idle.decrementAndGet();
                }
                if (t != null) {
                    queued.decrementAndGet();
                    runTask(w, t);
                } else if (!interrupted) {
                    holdsSlot = false; // keepSlotAfterTimeout gives it back first
                    if (!keepSlotAfterTimeout()) {
                        break;
                    }
                    holdsSlot = true;
                }
            }
        } catch (Throwable e) {
            dying = e; // an Error outside any task (runTask catches everything a task throws)
        }
        if (holdsSlot) {
            releaseSlot();
        }
        if (dying != null) {
            LOG.error("blocking pool thread {} is dying from an error outside any task",
                    Thread.currentThread().getName(), dying);
            // Don't strand the queue (I2): same check as a submitter after its offer.
            if (!queue.isEmpty() && (ctl.get() & STOPPED) == 0) {
                startThreadIfBelowCap();
            }
        }
    }

    /**
     * Called by a worker whose poll timed out: gives its slot back unless work arrived
     * meanwhile, in which case it takes a slot again (I2).
     *
     * @return true if the worker holds a slot again and must keep polling
     */
    private boolean keepSlotAfterTimeout() {
        releaseSlot();
        // Decrement live, THEN read the queue: pairs with execute's offer-then-read-live.
        final int max = maxThreads;
        while (!queue.isEmpty() && (ctl.get() & STOPPED) == 0) {
            int n = live.get();
            if (n >= max) {
                return false; // every slot has a holder that will make this same check
            }
            if (live.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    private void runTask(Worker w, Task t) {
        w.current = t;
        try {
            if ((ctl.get() & STOPPED) != 0) {
                abandonedAtStop.incrementAndGet();
                t.abandon(new RejectedExecutionException("blocking pool shut down before this task ran"));
            } else {
                t.run();
            }
        } catch (Throwable e) {
            LOG.error("a task threw from run() or abandon() on {}; Task implementations must not throw",
                    Thread.currentThread().getName(), e);
        } finally {
            w.current = null;
            finished();
        }
    }

    // ------------------------------------------------------------------ task accounting

    /** One accepted task ran or was abandoned. */
    private void finished() {
        long c = ctl.decrementAndGet();
        if ((c & CLOSED) != 0 && (c & COUNT) <= 1) {
            signalStateChanged(); // shutdown step 2 may be waiting for the count to fall
        }
    }

    /**
     * Abandons every task in the queue with {@code cause}; returns how many.
     *
     * @param atStop whether this is the shutdown's stop (counted for the shutdown report)
     */
    private int abandonQueued(Throwable cause, boolean atStop) {
        int n = 0;
        Task t;
        while ((t = queue.poll()) != null) {
            queued.decrementAndGet();
            if (atStop) {
                abandonedAtStop.incrementAndGet();
            }
            abandon(t, cause);
            finished();
            n++;
        }
        return n;
    }

    private static void abandon(Task task, Throwable cause) {
        try {
            task.abandon(cause);
        } catch (Throwable e) {
            LOG.error("Task.abandon threw; Task implementations must not throw", e);
        }
    }

    private void signalStateChanged() {
        waitLock.lock();
        try {
            stateChanged.signalAll();
        } finally {
            waitLock.unlock();
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Shuts the pool down gracefully, waiting at most {@code timeout} for accepted work, then
     * stopping what is left. The protocol:
     * <ol>
     *   <li><b>Close.</b> From now on {@link #execute}/{@link #spawnBlocking} abandon new tasks at
     *       once with {@link RejectedExecutionException} "blocking pool is shut down".</li>
     *   <li><b>Drain.</b> Wait up to {@code timeout} (on a condition signalled as tasks finish;
     *       no polling) until every task accepted before step 1, queued or running, has
     *       finished. Threads keep taking queued tasks meanwhile, and may still be created for
     *       them.</li>
     *   <li><b>Stop.</b> Abandon every task still queued with
     *       {@link RejectedExecutionException} "blocking pool shut down before this task ran"
     *       (their handles fail), and interrupt every thread still running a task. No task
     *       starts after this point.</li>
     *   <li><b>Release idle threads.</b> Interrupt idle threads too, so they exit now rather
     *       than after {@code threadKeepAlive}.</li>
     *   <li><b>Join.</b> Wait for every thread the pool started to end, for at most
     *       {@code timeout} clamped to [1 s, 5 s] more. A task that ignores interruption keeps
     *       its thread; it is counted in {@link BlockingPoolShutdown#threadsStillAlive()}.</li>
     * </ol>
     * When it returns with {@code threadsStillAlive() == 0}, every thread the pool ever started
     * has ended (hooks included). Blocks for at most {@code timeout} plus 5 s.
     *
     * <p>Idempotent and thread-safe: a concurrent caller waits for the first call to finish, and
     * every later call returns the first call's report at once. If the calling thread is
     * interrupted while waiting, shutdown stops waiting (the remaining steps still run, without
     * waiting) and sets its interrupt status again on return. Called from a task on
     * this pool's own thread, it does not wait for or interrupt that task or thread, and counts
     * the thread as still alive.
     *
     * @param timeout how long to wait for accepted work to finish before stopping it; zero stops
     *                at once
     * @return what happened
     * @throws IllegalArgumentException {@code timeout} is negative
     * @throws NullPointerException     {@code timeout} is null
     */
    public BlockingPoolShutdown shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("shutdown timeout must not be negative, got " + timeout);
        }
        synchronized (shutdownMonitor) {
            if (report != null) {
                return report;
            }
            final long timeoutNanos = saturatedNanos(timeout);
            final Worker self = currentWorker();
            final int selfCount = self == null ? 0 : 1;
            boolean interrupted = false;

            // 1. Close.
            setFlag(CLOSED);

            // 2. Drain: wait for the accepted-task count to fall (finished() signals).
            boolean drained;
            try {
                drained = awaitAtMost(ctl, COUNT, selfCount, timeoutNanos);
            } catch (InterruptedException e) {
                interrupted = true;
                drained = (ctl.get() & COUNT) <= selfCount;
            }

            // 3. Stop: no task starts after this. Abandon the queue, interrupt running tasks.
            setFlag(STOPPED);
            abandonQueued(new RejectedExecutionException("blocking pool shut down before this task ran"), true);
            int interruptedRunning = 0;
            for (Worker w : workers) {
                if (w == self) {
                    continue;
                }
                Task running = w.current;
                if (running != null) {
                    interruptedRunning++;
                    if (running instanceof JoinHandle<?> handle) {
                        // Its handle reports CANCELLED (as on the core dispatcher), not a
                        // failure with whatever the interrupt made the body throw.
                        handle.abort();
                    }
                }
                // 3 for a running thread; 4 for an idle one: it wakes, sees STOPPED, exits.
                w.thread.interrupt();
            }

            // 5. Join: wait for the live count to fall (releaseSlot() signals), then for every
            //    thread to end.
            long grace = Math.min(Math.max(timeoutNanos, MIN_THREAD_GRACE_NANOS), MAX_THREAD_GRACE_NANOS);
            long deadline = System.nanoTime() + grace;
            int stillAlive = 0;
            try {
                if (!interrupted) {
                    awaitAtMost(live, selfCount, grace);
                }
                for (Worker w : workers) {
                    if (w == self) {
                        continue;
                    }
                    long remaining = deadline - System.nanoTime();
                    if (remaining > 0 && !interrupted) {
                        TimeUnit.NANOSECONDS.timedJoin(w.thread, remaining);
                    }
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            for (Worker w : workers) {
                if (w == self || w.thread.isAlive()) {
                    stillAlive++;
                }
            }
            report = new BlockingPoolShutdown(drained, abandonedAtStop.get(), interruptedRunning, stillAlive);
            LOG.debug("blocking pool {}* shut down: {}", namePrefix, report);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return report;
        }
    }

    /**
     * Stops at once: {@link #shutdown(Duration) shutdown(Duration.ZERO)}. Queued tasks are
     * abandoned, running ones interrupted; waits up to 1 s for the threads to end.
     */
    public BlockingPoolShutdown shutdownNow() {
        return shutdown(Duration.ZERO);
    }

    /**
     * Shuts down with a timeout of {@link #DEFAULT_CLOSE_TIMEOUT} (30 s): see
     * {@link #shutdown(Duration)}. Blocks for at most 35 s; idempotent.
     */
    @Override
    public void close() {
        shutdown(DEFAULT_CLOSE_TIMEOUT);
    }

    private void setFlag(long flag) {
        for (long c = ctl.get(); (c & flag) == 0; c = ctl.get()) {
            if (ctl.compareAndSet(c, c | flag)) {
                return;
            }
        }
    }

    /** Waits until {@code value & mask <= target}; returns whether it got there in time. */
    private boolean awaitAtMost(AtomicLong value, long mask, long target, long nanos)
            throws InterruptedException {
        waitLock.lock();
        try {
            while ((value.get() & mask) > target) {
                if (nanos <= 0L) {
                    return false;
                }
                nanos = stateChanged.awaitNanos(nanos);
            }
            return true;
        } finally {
            waitLock.unlock();
        }
    }

    private boolean awaitAtMost(AtomicInteger value, int target, long nanos) throws InterruptedException {
        waitLock.lock();
        try {
            while (value.get() > target) {
                if (nanos <= 0L) {
                    return false;
                }
                nanos = stateChanged.awaitNanos(nanos);
            }
            return true;
        } finally {
            waitLock.unlock();
        }
    }

    private Worker currentWorker() {
        Thread me = Thread.currentThread();
        for (Worker w : workers) {
            if (w.thread == me) {
                return w;
            }
        }
        return null;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        BlockingPoolMetrics m = metrics();
        long c = ctl.get();
        String state = (c & STOPPED) != 0 ? "stopped" : (c & CLOSED) != 0 ? "closing" : "running";
        return "ElasticBlockingPool[" + namePrefix + "*, " + state + ", maxBlockingThreads=" + maxThreads
                + ", live=" + m.liveThreads() + ", idle=" + m.idleThreads()
                + ", queued=" + m.queuedTasks() + ", alive=" + m.aliveTasks() + "]";
    }

    // ------------------------------------------------------------------ worker

    /** The body of one pool thread. */
    private final class Worker implements Runnable {
        /** The task the thread was created for; taken once, by the thread or by a failed start. */
        private Task first;
        /** Set by the creator before the worker is published in {@link #workers}. */
        Thread thread;
        /** The task being run; written by this thread, read by shutdown. */
        volatile Task current;
        /** Set by this thread as its last action (after onThreadStop). */
        volatile boolean ended;

        Worker(Task first) {
            this.first = first;
        }

        Task takeFirst() {
            Task t = first;
            first = null;
            return t;
        }

        @Override
        public void run() {
            hooks.runOnStart();
            try {
                workLoop(this);
            } finally {
                hooks.runOnStop();
                ended = true;
            }
        }
    }

    // ------------------------------------------------------------------ builder

    /**
     * Configures an {@link ElasticBlockingPool}. Every setter validates its value at once and
     * {@link #build()} validates them all again, failing with {@link IllegalArgumentException}
     * whose message names the setting and the value. Not thread-safe; {@code build()} may be
     * called more than once, each time making an independent pool.
     */
    public static final class Builder {
        private int maxBlockingThreads = DEFAULT_MAX_BLOCKING_THREADS;
        private Duration threadKeepAlive = DEFAULT_THREAD_KEEP_ALIVE;
        private int blockingQueueCapacity = DEFAULT_BLOCKING_QUEUE_CAPACITY;
        private RuntimeContext context = RuntimeContext.DEFAULT;
        private ThreadFactory threadFactory = ElasticBlockingPool::newPlainThread;
        private Supplier<LinkedTransferQueue<Task>> handOffQueue = LinkedTransferQueue::new;

        private Builder() {
        }

        /**
         * The most pool threads that may exist at once; tasks beyond it queue. Default 512
         * ({@link #DEFAULT_MAX_BLOCKING_THREADS}); valid 1 to 32767.
         */
        public Builder maxBlockingThreads(int n) {
            this.maxBlockingThreads = checkMaxBlockingThreads(n);
            return this;
        }

        /**
         * How long a pool thread waits for a task before it exits. Default 10 s
         * ({@link #DEFAULT_THREAD_KEEP_ALIVE}); must be positive. Durations beyond about 292
         * years mean forever.
         */
        public Builder threadKeepAlive(Duration d) {
            this.threadKeepAlive = checkThreadKeepAlive(d);
            return this;
        }

        /**
         * How many tasks may wait in the queue while all {@code maxBlockingThreads} threads are
         * busy; a task beyond it is abandoned at once with a {@code RejectedExecutionException}
         * naming this setting. Default {@link Integer#MAX_VALUE}, meaning unbounded; valid 1 and
         * up.
         */
        public Builder blockingQueueCapacity(int n) {
            this.blockingQueueCapacity = checkBlockingQueueCapacity(n);
            return this;
        }

        /**
         * The runtime this pool belongs to: its thread name prefix (threads are named
         * {@code <prefix>-blocking-N}, N counting from 0), the hooks run on each pool thread
         * (the start hook before it takes work; the stop hook just before it ends, when its
         * keep-alive runs out or at shutdown; a hook that throws is logged and the thread goes
         * on), and the timer that handles of {@link #spawnBlocking} use for
         * {@link JoinHandle#orTimeout(Duration)} (without one, {@code orTimeout} on those handles
         * throws {@link IllegalStateException}; the pool does not own or shut down the timer).
         * Default {@link RuntimeContext#DEFAULT}: prefix {@code "kabuki"}, no hooks, no timer.
         */
        public Builder context(RuntimeContext c) {
            this.context = Objects.requireNonNull(c, "context");
            return this;
        }

        /**
         * Test hook: how threads are made (the pool then names them and makes them non-daemon,
         * normal priority). Default: a plain thread that inherits no
         * {@code InheritableThreadLocal} values.
         */
        public Builder threadFactory(ThreadFactory f) {
            this.threadFactory = Objects.requireNonNull(f, "threadFactory");
            return this;
        }

        /**
         * Test hook: makes the hand-off queue, so a test can subclass it to force interleavings
         * (pause a submitter between reading {@code live} and offering, say). Default
         * {@code LinkedTransferQueue::new}; must return a new empty queue each time.
         */
        Builder handOffQueue(Supplier<LinkedTransferQueue<Task>> q) {
            this.handOffQueue = Objects.requireNonNull(q, "handOffQueue");
            return this;
        }

        /**
         * Validates every setting and builds a pool. No thread starts until the first task.
         *
         * @throws IllegalArgumentException a setting is out of range; the message names it and
         *                                  the value
         */
        public ElasticBlockingPool build() {
            checkMaxBlockingThreads(maxBlockingThreads);
            checkThreadKeepAlive(threadKeepAlive);
            checkBlockingQueueCapacity(blockingQueueCapacity);
            ElasticBlockingPool pool = new ElasticBlockingPool(this);
            LOG.debug("blocking pool built: maxBlockingThreads={}, threadKeepAlive={}, "
                            + "blockingQueueCapacity={}, threads named {}-blocking-N, timer={}",
                    maxBlockingThreads, threadKeepAlive,
                    blockingQueueCapacity == Integer.MAX_VALUE ? "unbounded" : blockingQueueCapacity,
                    context.threadNamePrefix(), context.timer() == null ? "none" : context.timer());
            return pool;
        }

        private static int checkMaxBlockingThreads(int n) {
            if (n < 1 || n > MAX_BLOCKING_THREADS_LIMIT) {
                throw new IllegalArgumentException("maxBlockingThreads must be between 1 and "
                        + MAX_BLOCKING_THREADS_LIMIT + ", got " + n);
            }
            return n;
        }

        private static Duration checkThreadKeepAlive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("threadKeepAlive must be positive, got " + d);
            }
            return d;
        }

        private static int checkBlockingQueueCapacity(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("blockingQueueCapacity must be at least 1"
                        + " (Integer.MAX_VALUE for unbounded), got " + n);
            }
            return n;
        }
    }
}
