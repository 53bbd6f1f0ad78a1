package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.DispatcherShutdown;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-thread core dispatcher: one worker thread per CPU, work stealing, Tokio's scheduler
 * design on the JVM.
 *
 * <h2>Where a task goes</h2>
 * <ol>
 *   <li>Scheduled from one of this dispatcher's workers: into that worker's LIFO slot, so it
 *       runs next on a warm cache (request/response between two actors stays on one core); the
 *       slot's previous occupant moves to the back of the worker's {@link LocalRunQueue} and a
 *       parked worker is woken to steal it if none is searching.</li>
 *   <li>Scheduled from any other thread: into the global {@link InjectionQueue}, waking a parked
 *       worker if none is searching.</li>
 * </ol>
 *
 * <h2>What a worker runs next</h2>
 * <ol>
 *   <li>Every {@value #GLOBAL_POLL_INTERVAL}th task, the global queue first, so external work is
 *       never starved by busy local queues.</li>
 *   <li>Otherwise its LIFO slot, then its local queue, then a batch from the global queue.</li>
 *   <li>After running a task, it runs what that task put in the LIFO slot, at most
 *       {@value #MAX_LIFO_POLLS} times in a row; then the LIFO task goes to the back of the local
 *       queue, so two actors ping-ponging cannot starve the rest of it.</li>
 *   <li>With nothing local: steal half of a random victim's local queue, then the global
 *       queue; the only searcher repeats that for up to the builder's {@code busyWait} (see
 *       {@link BusyWait}); then park. A victim's LIFO and deferred slots are taken only at the
 *       end of that busy-wait, and only from a worker that has not started another task since
 *       its beginning: a long-running task must not hold its successor hostage, but a worker
 *       making progress runs its slots within nanoseconds, and a steal would only move a hot
 *       exchange to a cold core. (With no busy-wait, the one look takes them.)</li>
 * </ol>
 * Searching and parking follow {@link IdleWorkers}: at most half the workers search, new work
 * wakes a worker only when none is searching, and an idle runtime has every worker parked.
 * A {@link StuckWorkerMonitor} (its own thread, {@code <prefix>-monitor}) wakes a parked worker
 * for the work held behind a worker that has been inside one task for a whole period, in
 * particular a slot's task scheduled after every other worker had parked, which nothing else
 * would wake anyone for.
 * An actor's activation that runs out of messages may linger on its worker, its mailbox's
 * token held, until the end of the next task there ({@link #linger}; {@code Worker.linger}), so
 * that a reply coming meanwhile neither takes the token nor passes through the LIFO slot.
 * Yielded tasks ({@link #executeYielded}) go to the back of the local queue, never into the LIFO
 * slot, unless they only take turns with the task in the LIFO slot: then they wait in the
 * worker's deferred slot (see {@code Worker.deferYield}).
 *
 * <h2>Blocking</h2>
 * Core workers must not block. {@link dev.kabuki.scheduler.JoinHandle#join()} on a worker fails fast with an
 * {@link IllegalStateException} naming the alternatives; blocking work belongs on the blocking
 * dispatcher ({@code spawnBlocking}).
 *
 * <h2>Shutdown</h2>
 * See {@link #shutdown(Duration)}.
 *
 * <p>Thread-safe. Construct with {@link #builder()}.
 */
public final class WorkStealingDispatcher extends AbstractCoreDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(WorkStealingDispatcher.class);

    /** Every this many tasks, a worker checks the global queue before its local one. */
    static final int GLOBAL_POLL_INTERVAL = 61;
    /** Lingers in a row that end with no work before a worker stops granting lingers for a while. */
    static final int LINGER_MISSES = 4;
    /** How many linger requests a worker refuses after {@link #LINGER_MISSES} misses in a row. */
    static final int LINGER_PAUSE = 64;
    /** How many LIFO-slot tasks a worker runs in a row before yielding to its local queue. */
    static final int MAX_LIFO_POLLS = 3;
    /** Consecutive yields a worker keeps off its stealable queue before one goes there (see {@code Worker.deferYield}). */
    static final int MAX_DEFERRED_YIELDS = 64;
    /** Every this many tasks, a worker polls the installed {@link IoPoller} without blocking (Tokio's 61). */
    static final int MAINTENANCE_INTERVAL = 61;
    /** Default of {@link Builder#busyWait(Duration)}: 20 µs. */
    public static final Duration DEFAULT_BUSY_WAIT = Duration.ofNanos(20_000);
    private static final Duration MAX_BUSY_WAIT = Duration.ofMillis(10);
    /** Extra time {@link #shutdown} waits for threads to end after cancelling what ran late. */
    static final Duration THREAD_EXIT_GRACE = Duration.ofSeconds(5);

    final Worker[] workers;
    final InjectionQueue inject = new InjectionQueue();
    final IdleWorkers idle;
    /** Wakes a parked worker for work held behind a worker stuck in one task. */
    private final StuckWorkerMonitor monitor;
    /** How long the one searching worker keeps looking for work before it parks. */
    final long busyWaitNanos;
    private final ThreadHooks hooks;
    private volatile Thread drainWaiter;
    private volatile DispatcherShutdown shutdownReport;
    /** The I/O driver parking workers poll, or null; see {@link #installIoPoller}. */
    private volatile IoPoller ioPoller;

    private WorkStealingDispatcher(Builder b, int numWorkers) {
        super(b.context.threadNamePrefix(), b.context.timer());
        this.hooks = b.context.hooks();
        this.idle = new IdleWorkers(numWorkers);
        this.busyWaitNanos = b.busyWait.toNanos();
        this.workers = new Worker[numWorkers];
        for (int i = 0; i < numWorkers; i++) {
            workers[i] = new Worker(this, i, name + "-worker-" + i);
        }
        this.monitor = new StuckWorkerMonitor(workers, idle, this::notifyParked, hooks, name + "-monitor");
        LOG.debug("core dispatcher '{}': {} worker threads", name, numWorkers);
        for (Worker w : workers) {
            w.thread.start();
        }
        monitor.start();
    }

    /** A builder with every default; see its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of worker threads. */
    public int workerCount() {
        return workers.length;
    }

    // ---------------------------------------------------------------- scheduling

    @Override
    public void execute(Task task) {
        Objects.requireNonNull(task, "task");
        if (terminated) {
            abandon(task, abandonedAtShutdown());
            return;
        }
        Worker own = callingWorker();
        if (own != null) {
            own.scheduleLocal(task);
        } else if (Thread.currentThread() instanceof InlineSlot.HostThread host && host.inlineSlot().tryKeep(this, task)) {
            return; // kept by the host thread, which runs it itself (InlineSlot): no worker to wake
        } else {
            inject.push(task);
            notifyParkedAfterPush();
            if (terminated) {
                // Raced with termination: whoever polls a task abandons it, exactly once.
                abandonAll(inject::poll);
            }
        }
    }

    /** The same as {@link #execute}: a completion is queued like any task. */
    @Override
    public void executeCompletion(Task completion) {
        execute(completion);
    }

    /**
     * On one of this dispatcher's workers: the back of its local queue (Tokio's
     * {@code yield_now}), then a parked worker is woken to steal if none is searching. Tasks
     * left there at termination are abandoned by the worker as it exits.
     */
    @Override
    public void executeYielded(Task task) {
        Objects.requireNonNull(task, "task");
        Worker own = callingWorker();
        if (!terminated && own != null) {
            if (!own.deferYield(task)) {
                own.queue.pushBack(task, inject);
                notifyParked();
            }
        } else {
            execute(task);
        }
    }

    /**
     * On one of this dispatcher's workers: whether its LIFO slot, its local queue or the global
     * queue holds a task. Other workers' queues do not count: their owners run them, and if
     * they cannot, an idle worker steals them.
     */
    @Override
    public boolean hasQueuedWork() {
        Worker own = callingWorker();
        return own == null || own.hasLocalWork() || !inject.isEmpty();
    }

    /**
     * On one of this dispatcher's workers, inside {@code activation}'s own run: keeps it on
     * that worker until the end of the next task the worker runs (see {@code Worker.linger}).
     */
    @Override
    public boolean linger(LingeringTask activation) {
        Worker own = callingWorker();
        return own != null && !terminated && own.linger(activation);
    }

    /** The calling thread's worker if it is one of this dispatcher's, else null. */
    private Worker callingWorker() {
        return Thread.currentThread() instanceof WorkerThread wt && wt.worker.dispatcher == this
                ? wt.worker : null;
    }

    /**
     * Wakes a parked worker if none is searching (rule 1 of {@link IdleWorkers}). The full fence
     * orders the caller's queue write (a release store) before the idle-state read: the
     * "queue, then check sleepers" half of the no-lost-wake-up handshake.
     */
    void notifyParked() {
        VarHandle.fullFence();
        notifyParkedAfterPush();
    }

    /**
     * {@link #notifyParked()} without the fence, after a push into the global queue: that push
     * ends in a sequentially consistent read-modify-write of the queue's put count, which orders
     * it before the idle-state read as the fence would (see {@link InjectionQueue}).
     */
    private void notifyParkedAfterPush() {
        int w = idle.workerToNotify();
        if (w >= 0) {
            workers[w].parker.unpark();
            monitor.wakeIfAsleep(); // after the idle state's update: see StuckWorkerMonitor
        }
    }

    /** Run by the last searcher before it parks: wake someone if work is still around. */
    void notifyIfWorkPending() {
        for (Worker w : workers) {
            if (w.hasLocalWork()) {
                notifyParked();
                return;
            }
        }
        if (!inject.isEmpty()) {
            notifyParked();
        }
    }

    // ---------------------------------------------------------------- I/O driver

    /**
     * Installs the I/O driver that workers poll instead of sleeping (see {@link IoPoller}).
     * Internal to kabuki: kabuki-net's worker-polled driver installs itself once, as it starts.
     *
     * <p>Liveness invariant once installed: whenever every worker is parked, one of them holds
     * the poller's lock and is in, or on its way into, {@link IoPoller#poll}. A worker parks
     * without the driver only when {@link IoPoller#tryLock} failed, that is when another worker
     * holds the lock; that holder, on unlocking, either goes on running tasks (and polls again
     * when it next parks or reaches a maintenance tick) or, still parked, tries the lock again.
     * Workers that parked before the installation are woken here once so that one of them
     * takes the driver.
     *
     * @throws IllegalStateException a poller is installed already
     */
    public void installIoPoller(IoPoller poller) {
        Objects.requireNonNull(poller, "poller");
        if (!IO_POLLER.compareAndSet(this, null, poller)) {
            throw new IllegalStateException("core dispatcher '" + name + "' already has an I/O poller");
        }
        for (Worker w : workers) {
            w.parker.unpark(); // a spurious wake: a parked worker re-parks, and one takes the driver
        }
    }

    /**
     * Removes {@code poller} if it is the installed one. A worker that read it before the
     * removal may still call it once; the poller must then return at once (it is closing). The
     * worker then reads the field again and parks without it.
     */
    public void uninstallIoPoller(IoPoller poller) {
        IO_POLLER.compareAndSet(this, poller, null);
    }

    private static final VarHandle IO_POLLER;

    static {
        try {
            IO_POLLER = MethodHandles.lookup().findVarHandle(WorkStealingDispatcher.class, "ioPoller", IoPoller.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---------------------------------------------------------------- metrics

    @Override
    public DispatcherMetrics metrics() {
        List<Integer> depths = new ArrayList<>(workers.length);
        long local = 0;
        long steals = 0;
        long parks = 0;
        long running = 0;
        for (Worker w : workers) {
            int d = w.queue.size() + (w.lifo.isEmpty() ? 0 : 1) + (w.deferred.isEmpty() ? 0 : 1)
                    + (w.lingering.isEmpty() ? 0 : 1);
            depths.add(d);
            local += d;
            steals += (long) Worker.STEALS.getOpaque(w);
            parks += (long) Worker.PARKS.getOpaque(w);
            if (w.inTask()) {
                running++;
            }
        }
        long global = inject.size();
        long alive = global + local + running + timed.sum();
        return new DispatcherMetrics(workers.length, alive, global, local,
                List.copyOf(depths), steals, parks, idle.parkedCount(), idle.searchingCount());
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Shuts the dispatcher down.
     * <ol>
     *   <li>Stop accepting spawns: new {@code spawn}/{@code schedule} handles fail at once with a
     *       {@link java.util.concurrent.RejectedExecutionException} cause. Internal
     *       {@link #execute} calls are still accepted, so work in progress can finish.</li>
     *   <li>Wait up to {@code timeout} until the queues are empty, every worker is parked and
     *       no delayed task is waiting in the timer.</li>
     *   <li>Terminate: later {@link #execute} calls abandon their task; every worker is woken
     *       and leaves its loop; tasks still running are cancelled (their handles complete as
     *       CANCELLED and their threads are interrupted).</li>
     *   <li>Abandon everything still queued: handles fail with a
     *       {@link java.util.concurrent.RejectedExecutionException} cause.</li>
     *   <li>Wait for every worker thread and the stuck-worker monitor's thread to end, at most
     *       {@value #THREAD_EXIT_GRACE_SECONDS} s more.</li>
     * </ol>
     * Idempotent: a second call waits for nothing and returns the first report. Must not be
     * called from one of this dispatcher's own workers (it would wait for itself).
     */
    @Override
    public synchronized DispatcherShutdown shutdown(Duration timeout) {
        if (shutdownReport != null) {
            return shutdownReport;
        }
        if (callingWorker() != null) {
            throw new IllegalStateException("shutdown() called from one of this dispatcher's own"
                    + " worker threads; call it from outside the runtime");
        }
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        closing = true;
        boolean drained = awaitQuiescence(deadline);
        terminated = true;
        int interrupted = 0;
        for (Worker w : workers) {
            Task running = (Task) Worker.CURRENT.getOpaque(w);
            if (running instanceof AbstractJoinHandle<?> h) {
                if (h.cancelWith(AbstractJoinHandle.CANCELLED, "runtime shut down before the task finished")) {
                    interrupted++;
                }
            } else if (running != null) {
                w.thread.interrupt();
                interrupted++;
            }
            w.parker.unpark();
        }
        abandonAll(inject::poll);
        long graceEnd = System.nanoTime() + THREAD_EXIT_GRACE.toNanos();
        int stillAlive = 0;
        for (Worker w : workers) {
            try {
                long wait = graceEnd - System.nanoTime();
                if (wait > 0) {
                    w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (w.thread.isAlive()) {
                stillAlive++;
            }
        }
        if (!monitor.stop(Math.max(1, TimeUnit.NANOSECONDS.toMillis(graceEnd - System.nanoTime())))) {
            stillAlive++;
        }
        abandonAll(inject::poll); // anything a late worker overflowed
        DispatcherShutdown report = new DispatcherShutdown(drained, abandonedCount.get(), interrupted, stillAlive);
        shutdownReport = report;
        LOG.debug("core dispatcher '{}' shut down: {}", name, report);
        return report;
    }

    /** Documentation constant for {@link #shutdown}. */
    static final long THREAD_EXIT_GRACE_SECONDS = 5;

    private boolean awaitQuiescence(long deadline) {
        drainWaiter = Thread.currentThread();
        try {
            for (;;) {
                if (isQuiescent()) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, remaining);
            }
        } finally {
            drainWaiter = null;
        }
    }

    private boolean isQuiescent() {
        if (timed.sum() != 0 || !inject.isEmpty() || idle.parkedCount() != workers.length) {
            return false;
        }
        for (Worker w : workers) {
            if (w.hasLocalWork()) {
                return false;
            }
        }
        return true;
    }

    /** Whether the stuck-worker monitor sleeps until a worker is unparked; for tests. */
    boolean monitorAsleep() {
        return monitor.isAsleep();
    }

    void workerWentIdle() {
        Thread waiter = drainWaiter;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    // ---------------------------------------------------------------- worker

    /**
     * One core worker: its queues and its run loop.
     *
     * <p>Who writes what: {@code lifo}, {@code deferred} and {@code lingering} follow
     * {@link LifoSlot} (filled by the owner, emptied by the owner and by stealers);
     * {@code runNext}, {@code lingeredNow}, {@code lingerMisses} and {@code lingerPause} are
     * owner-only plain fields;
     * the local queue follows {@link LocalRunQueue}; {@code searching}, {@code tick},
     * {@code ioTick}, {@code deferStreak} and {@code runsSeen} are owner-only plain fields;
     * {@code steals}, {@code parks} and
     * {@code current} are written by the owner with opaque stores and read by metrics and
     * shutdown and the {@link StuckWorkerMonitor}; {@code runs} is written by the owner with
     * opaque stores and read by searchers and the monitor. A stale read of {@code runs} only
     * makes a searcher take a slot's task a little early or leave it a little longer (or the
     * monitor wake a worker a period early or late): the take itself is an atomic exchange, so
     * a task is still run exactly once.
     */
    static final class Worker implements Runnable {
        static final VarHandle STEALS;
        static final VarHandle PARKS;
        static final VarHandle CURRENT;
        static final VarHandle RUNS;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                STEALS = l.findVarHandle(Worker.class, "steals", long.class);
                PARKS = l.findVarHandle(Worker.class, "parks", long.class);
                CURRENT = l.findVarHandle(Worker.class, "current", Task.class);
                RUNS = l.findVarHandle(Worker.class, "runs", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final WorkStealingDispatcher dispatcher;
        final int index;
        final LocalRunQueue queue = new LocalRunQueue();
        final Parker parker = new Parker();
        final WorkerThread thread;
        final LifoSlot lifo = new LifoSlot();
        /**
         * A yielded activation kept off the stealable queue while it only takes turns with the
         * task in {@link #lifo} (see {@link #deferYield}); the same rules as {@code lifo}: the
         * owner fills it, the owner or a stealer of a hostage empties it.
         */
        final LifoSlot deferred = new LifoSlot();
        /**
         * An activation that ended with nothing to do and keeps its token here until the end of
         * the next task this worker runs (see {@link #linger}); the same rules as {@code lifo}.
         */
        final LifoSlot lingering = new LifoSlot();
        /** A lingering task that had work when its linger ended: it runs next (owner only). */
        private Task runNext;
        /** Whether the task now running has lingered (owner only): one linger per run. */
        private boolean lingeredNow;
        /** Lingers in a row that ended with no work (owner only). */
        private int lingerMisses;
        /** Linger requests still to refuse after {@value #LINGER_MISSES} misses in a row (owner only). */
        private int lingerPause;
        private long steals;
        /** Tasks started (owner, opaque store): a searcher that sees it unchanged for a whole busy-wait knows this worker is stuck in one task. */
        private long runs;
        /** Consecutive yields kept in {@link #deferred}; owner only. */
        private int deferStreak;
        /** This worker's snapshot, as a searcher, of every worker's {@code runs} at its first look; owner only. */
        private long[] runsSeen;
        private long parks;
        private Task current;
        private boolean searching;
        private int tick;
        /** Tasks run since the last maintenance poll of the I/O driver. */
        private int ioTick;

        Worker(WorkStealingDispatcher dispatcher, int index, String threadName) {
            this.dispatcher = dispatcher;
            this.index = index;
            this.thread = new WorkerThread(this, threadName);
            parker.setOwner(thread);
        }

        boolean hasLocalWork() {
            return !lifo.isEmpty() || !deferred.isEmpty() || !queue.isEmpty() || lingeringWithWork();
        }

        /**
         * Whether the lingering task has work waiting (a racy hint, any thread): such a task is
         * held like a queued one, and a worker stuck in a long task must have it stolen.
         */
        private boolean lingeringWithWork() {
            return lingering.peek() instanceof LingeringTask t && t.hasWork();
        }

        /**
         * Keeps {@code task}, which is ending its run with nothing to do, in the lingering slot
         * until the end of the next task this worker runs; owner thread, from inside that run
         * only. An actor that has just told its conversation partner is typically told back
         * during the partner's run: it is then still scheduled (its token held here), so the
         * partner's tell takes no token and puts nothing in the LIFO slot, and the worker runs
         * it straight after ({@code runNext}). Per message that leaves the append and this
         * slot's exchange of four locked instructions (append, the sender's token CAS, the LIFO
         * take's exchange, the receiver's release CAS).
         *
         * <p>Only while another task is about to run here (the LIFO slot's, or the lingering
         * task this one displaces): with none, nothing on this worker could tell the task back
         * before the worker looks for other work, and it releases at once. An actor fed from
         * outside the runtime (a fan-in consumer, a server's connection) therefore never
         * lingers.
         *
         * <p>The task this one displaces from the slot ends its linger here: run next if work
         * came for it, else released. A linger that ends with no work costs an exchange more
         * than releasing at once would; after {@value #LINGER_MISSES} of those in a row this
         * worker refuses the next {@value #LINGER_PAUSE} requests (a ring of actors, each told once
         * per lap, gains nothing from lingering).
         *
         * <p>Hostages: the lingering task is stealable like the LIFO slot's, and it counts as
         * local work for the {@link StuckWorkerMonitor} once work has come for it, so a long
         * task after it cannot hold it.
         */
        boolean linger(LingeringTask task) {
            if (current != task || lingeredNow || runNext != null) {
                return false; // not this worker's running task, or it has lingered already
            }
            if (lingerPause > 0) {
                lingerPause--;
                return false;
            }
            if (lingering.isEmpty() && lifo.isEmpty()) {
                return false; // no task of this worker runs next that could tell it back
            }
            lingeredNow = true;
            Task prev = lingering.put(task);
            if (prev != null) {
                endLinger(prev);
            }
            return true;
        }

        /** The linger of {@code task} (taken from the slot) ends: run it next if work came, else release it. */
        private void endLinger(Task task) {
            LingeringTask t = (LingeringTask) task;
            if (t.hasWork()) {
                lingerMisses = 0;
                runNext = t;
                return;
            }
            if (++lingerMisses >= LINGER_MISSES) {
                lingerMisses = 0;
                lingerPause = LINGER_PAUSE;
            }
            t.release();
        }

        /** After each run: a linger from before it, not renewed by it, ends now. */
        private void endStaleLinger() {
            if (lingeredNow) {
                lingeredNow = false;
                return;
            }
            Task t = lingering.take();
            if (t != null) {
                endLinger(t);
            }
        }

        /** Tasks this worker has started so far (opaque read, any thread). */
        long runsStarted() {
            return (long) RUNS.getOpaque(this);
        }

        /** Whether this worker is inside a task now (opaque read, any thread). */
        boolean inTask() {
            return CURRENT.getOpaque(this) != null;
        }

        /**
         * A yield that only takes turns with this worker's own next task: when the local queue
         * is empty and the other work here is a single task in the LIFO slot (typically the
         * actor this one is talking to), the yielded task goes to the {@link #deferred} slot
         * rather than the back of the stealable queue, and nobody is woken; if it is the LIFO
         * slot that is empty and the deferred slot holds the partner, the two swap places: the
         * partner moves to the LIFO slot (it runs next) and the yielder is deferred. Either way
         * the yielder runs after the partner, as a queued yield would, but the pair stays on
         * this warm core instead of an idle worker stealing one of them and every message
         * between them crossing cores from then on. Every {@value #MAX_DEFERRED_YIELDS}th yield
         * in a row goes the ordinary way, which wakes a worker to steal, so two busy actors that
         * merely happen to share a worker still spread out. Owner thread only.
         *
         * @return false if the caller must queue the task the ordinary way
         */
        boolean deferYield(Task task) {
            if (queue.isEmpty() && deferStreak < MAX_DEFERRED_YIELDS - 1 && takeTurns(task)) {
                deferStreak++;
                return true;
            }
            deferStreak = 0;
            return false;
        }

        /** {@link #deferYield}'s placement, with the local queue empty; false if it does not apply. */
        private boolean takeTurns(Task task) {
            if (deferred.isEmpty()) {
                if (lifo.isEmpty()) {
                    return false; // the waiting work is elsewhere (the global queue)
                }
                deferred.put(task);
                return true;
            }
            if (!lifo.isEmpty()) {
                return false; // three tasks take turns here: an ordinary yield
            }
            Task partner = deferred.take(); // null if a stealer took it meanwhile
            if (partner != null) {
                lifo.put(partner); // the slot is empty: nothing is displaced
            }
            deferred.put(task);
            return true;
        }

        void scheduleLocal(Task task) {
            Task prev = lifo.put(task);
            if (prev != null) {
                queue.pushBack(prev, dispatcher.inject);
                dispatcher.notifyParked();
            }
        }

        private Task takeLifo() {
            return lifo.take();
        }

        @Override
        public void run() {
            dispatcher.hooks.runOnStart();
            try {
                loop();
            } finally {
                abandonLocal();
                dispatcher.hooks.runOnStop();
            }
        }

        private void loop() {
            final WorkStealingDispatcher d = dispatcher;
            while (!d.terminated) {
                tick++;
                Task t = nextTask();
                if (t == null) {
                    t = stealWork();
                }
                if (t != null) {
                    runTask(t);
                } else {
                    park();
                }
            }
        }

        /**
         * A busy worker's non-blocking poll of the I/O driver, if it wins the lock: I/O is
         * handled at least every {@value #MAINTENANCE_INTERVAL} tasks a worker runs even when no
         * worker parks (but not during one long task: Tokio issue #4730). What the poll tells
         * actors lands on this worker's queues.
         */
        private void maintenance() {
            IoPoller p = dispatcher.ioPoller;
            if (p != null && p.tryLock()) {
                try {
                    p.poll(0);
                } catch (Throwable e) {
                    LOG.error("the I/O driver's poll failed on {}", thread.getName(), e);
                } finally {
                    p.unlock();
                }
            }
        }

        /**
         * Parks once: in the I/O driver if one is installed and free, else on the parker. Any
         * return may be spurious; the caller re-checks.
         */
        private void parkOnce() {
            IoPoller p = dispatcher.ioPoller;
            if (p != null && p.tryLock()) {
                try {
                    parker.parkDriver(p);
                } catch (Throwable e) {
                    LOG.error("the I/O driver's poll failed on {}", thread.getName(), e);
                } finally {
                    p.unlock();
                }
            } else {
                parker.park();
            }
        }

        private Task nextTask() {
            if (tick % GLOBAL_POLL_INTERVAL == 0) {
                Task t = dispatcher.inject.poll();
                if (t != null) {
                    return t;
                }
            }
            Task t = takeLifo();
            if (t != null) {
                return t;
            }
            t = deferred.take();
            if (t != null) {
                return t;
            }
            t = queue.pop();
            if (t != null) {
                return t;
            }
            return pullFromInject();
        }

        /** Takes one global task to run and moves a fair share more into the local queue. */
        private Task pullFromInject() {
            InjectionQueue inject = dispatcher.inject;
            if (inject.isEmpty()) {
                return null;
            }
            int share = inject.size() / dispatcher.workers.length;
            int n = Math.min(share, Math.min(queue.remaining(), LocalRunQueue.CAPACITY / 2));
            return inject.pollInto(queue, Math.max(0, n));
        }

        private Task stealWork() {
            final WorkStealingDispatcher d = dispatcher;
            if (!searching) {
                if (!d.idle.transitionToSearching()) {
                    return null;
                }
                searching = true;
            }
            // Busy-wait (see BusyWait): the only searcher keeps looking for busyWaitNanos before
            // it parks. Still counted as searching, it absorbs notifications: a task injected
            // meanwhile wakes nobody, this worker finds it. Other searchers park at once, so at
            // most about one worker spins and an idle runtime still parks every thread.
            // The other workers' LIFO and deferred slots hold a running task's successor (or its
            // partner in a conversation), which its owner takes within nanoseconds; stealing it
            // would only move a hot exchange to a cold core, where every message between the two
            // then crosses cores. The slots are stealable so that a long-running task cannot
            // hold them hostage: the spinning searcher notes every worker's count of tasks
            // started on its first look and, on its last, empties the slots only of workers
            // whose count has not moved, i.e. that have been inside one task for the whole
            // busy-wait. With no busy-wait nobody spins, and the one look takes a slot.
            Task t = searchOnce();
            if (t != null || d.terminated || d.closing) {
                return t;
            }
            if (d.busyWaitNanos == 0) {
                return stealSlots(null);
            }
            if (d.idle.searchingCount() > 1) {
                return null; // the spinning searcher looks after hostages
            }
            long[] seen = snapshotRuns();
            long deadline = System.nanoTime() + d.busyWaitNanos;
            for (int round = 1; ; round++) {
                BusyWait.pause(round);
                t = searchOnce();
                if (t != null || d.terminated || d.closing) {
                    return t;
                }
                if (BusyWait.checkClock(round)) {
                    if (System.nanoTime() - deadline >= 0) {
                        return stealSlots(seen);
                    }
                    if (d.ioPoller != null) {
                        // The spinning searcher also looks at the I/O driver (selectNow): a
                        // reply's next request must not wait for the spin to end before it is
                        // read. What the poll tells lands in this worker's own queues.
                        maintenance();
                        Task own = takeLifo();
                        if (own == null) {
                            own = queue.pop();
                        }
                        if (own != null) {
                            return own;
                        }
                    }
                }
            }
        }

        /** One pass over the other workers' local queues and the global queue. */
        private Task searchOnce() {
            Worker[] ws = dispatcher.workers;
            int n = ws.length;
            int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
            for (int i = 0; i < n; i++) {
                Worker victim = ws[(start + i) % n];
                if (victim == this) {
                    continue;
                }
                Task t = victim.queue.stealInto(queue);
                if (t != null) {
                    STEALS.setOpaque(this, steals + 1);
                    return t;
                }
            }
            return pullFromInject();
        }

        /** Every worker's count of tasks started, as of now (into an array kept for reuse). */
        private long[] snapshotRuns() {
            Worker[] ws = dispatcher.workers;
            long[] seen = runsSeen;
            if (seen == null) {
                seen = runsSeen = new long[ws.length];
            }
            for (int i = 0; i < ws.length; i++) {
                seen[i] = ws[i].runsStarted();
            }
            return seen;
        }

        /**
         * Takes a task from another worker's LIFO or deferred slot: any worker's if
         * {@code seen} is null, else only a worker whose count of tasks started still equals
         * {@code seen} (stuck in one task since then).
         */
        private Task stealSlots(long[] seen) {
            Worker[] ws = dispatcher.workers;
            int n = ws.length;
            int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
            for (int i = 0; i < n; i++) {
                int v = (start + i) % n;
                Worker victim = ws[v];
                if (victim == this || (seen != null && victim.runsStarted() != seen[v])) {
                    continue;
                }
                Task t = victim.takeLifo();
                if (t == null) {
                    t = victim.deferred.take();
                }
                if (t == null) {
                    t = victim.lingering.take(); // run here: its run ends at once if no work came
                }
                if (t != null) {
                    STEALS.setOpaque(this, steals + 1);
                    return t;
                }
            }
            return null;
        }

        private void runTask(Task task) {
            if (searching) {
                searching = false;
                if (dispatcher.idle.transitionFromSearching()) {
                    dispatcher.notifyIfWorkPending(); // last searcher: hand the role on
                }
            }
            runOne(task);
            int lifoPolls = 0;
            for (;;) {
                endStaleLinger();
                Task next = runNext;
                if (next != null) {
                    runNext = null;
                } else {
                    next = takeLifo();
                }
                if (next == null) {
                    // Nothing lingers past this method: the worker may park or steal next.
                    Task l = lingering.take();
                    if (l == null) {
                        return;
                    }
                    endLinger(l);
                    continue; // runNext, or what the release scheduled, or nothing
                }
                if (++lifoPolls > MAX_LIFO_POLLS) {
                    if (queue.isEmpty() && dispatcher.inject.isEmpty() && !dispatcher.terminated) {
                        // Nothing else waits for this worker: the cap would starve nobody, and
                        // moving the task to the queue would only invite a steal (a migration
                        // of, say, two ping-ponging actors to a cold core). Go on.
                        lifoPolls = 0;
                    } else {
                        queue.pushBack(next, dispatcher.inject);
                        Task l = lingering.take();
                        if (l != null) {
                            endLinger(l);
                            if (runNext != null) {
                                queue.pushBack(runNext, dispatcher.inject);
                                runNext = null;
                            }
                        }
                        dispatcher.notifyParked();
                        return;
                    }
                }
                runOne(next);
            }
        }

        private void runOne(Task task) {
            if (++ioTick >= MAINTENANCE_INTERVAL) { // counted here: a LIFO chain may never return to loop()
                ioTick = 0;
                maintenance();
            }
            CURRENT.setOpaque(this, task);
            RUNS.setOpaque(this, runs + 1);
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("a task threw out of run() on {}; tasks must not throw", thread.getName(), t);
            }
            CURRENT.setOpaque(this, null);
            Thread.interrupted(); // an interrupt meant for one task must not hit the next
        }

        private void park() {
            final WorkStealingDispatcher d = dispatcher;
            if (hasLocalWork()) {
                return;
            }
            boolean wasSearching = searching;
            boolean last = d.idle.transitionToParked(index, searching);
            searching = false;
            if (last || (!wasSearching && d.idle.searchingCount() == 0)) {
                // A producer that read the idle state before this worker joined the parked set
                // and saw no searcher found nobody to wake: the last searcher re-checks for
                // that (IdleWorkers), and so does a worker that parks without having searched
                // while no one searches (it may have failed to start searching only because
                // one was searching then, which has since stopped).
                d.notifyIfWorkPending();
            }
            if (d.closing) {
                d.workerWentIdle();
            }
            PARKS.setOpaque(this, parks + 1);
            for (;;) {
                parkOnce();
                if (d.terminated) {
                    d.idle.unparkById(index);
                    return;
                }
                if (hasLocalWork() && d.idle.unparkById(index)) {
                    d.monitor.wakeIfAsleep();
                    // A driver poll told actors from this thread: their activations are in this
                    // worker's own queues. Leave the parked set (not searching) and run them.
                    return;
                }
                if (d.idle.isParked(index)) {
                    continue; // not picked by a notifier: spurious
                }
                searching = true; // a notifier counted us as unparked and searching
                return;
            }
        }

        /** On exit: nothing may stay behind in this worker's queues. */
        private void abandonLocal() {
            Task t = takeLifo();
            if (t != null) {
                dispatcher.abandon(t, dispatcher.abandonedAtShutdown());
            }
            t = deferred.take();
            if (t != null) {
                dispatcher.abandon(t, dispatcher.abandonedAtShutdown());
            }
            t = lingering.take(); // empty outside runTask; taken here in case a run threw an Error past it
            if (t != null) {
                dispatcher.abandon(t, dispatcher.abandonedAtShutdown());
            }
            dispatcher.abandonAll(queue::pop);
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Configures a {@link WorkStealingDispatcher}. Values are validated by {@link #build()},
     * which fails fast with an {@link IllegalArgumentException} naming the setting. Not
     * thread-safe; a builder may be reused.
     */
    public static final class Builder {
        private Integer workerThreads;
        private RuntimeContext context = RuntimeContext.DEFAULT;
        private Duration busyWait = DEFAULT_BUSY_WAIT;
        private Function<String, String> environment = System::getenv;

        private Builder() {
        }

        /**
         * Number of worker threads, 1 to 32767. Default: the environment variable
         * {@code KABUKI_WORKER_THREADS} if set (it must then be a positive integer), otherwise
         * {@link Runtime#availableProcessors()}. A value set here wins over the variable.
         */
        public Builder workerThreads(int n) {
            this.workerThreads = n;
            return this;
        }

        /**
         * The runtime this dispatcher belongs to: its thread name prefix (workers are named
         * {@code <prefix>-worker-<i>}), the hooks run on each worker thread as it starts (before
         * any task) and as it ends, and the timer for {@code schedule} and handle timeouts.
         * Default {@link RuntimeContext#DEFAULT}: prefix "kabuki", no hooks, no timer (schedule
         * and timeouts throw).
         */
        public Builder context(RuntimeContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * How long a worker that ran out of work keeps looking for more before it parks, from
         * {@link Duration#ZERO} (park at once) to 10 ms. Default: 20 µs
         * ({@link WorkStealingDispatcher#DEFAULT_BUSY_WAIT}). Only one worker busy-waits at a
         * time; the others park at once.
         *
         * <p>The trade: a worker still looking when work arrives takes it without being woken,
         * so work that comes in bursts or request/response pairs costs a cache-line transfer
         * instead of the wake-up of a parked worker (a system call for the sender and, on a
         * virtual machine, often tens of microseconds until the woken vCPU runs). With the spin
         * in {@link dev.kabuki.scheduler.JoinHandle#join()}, a sequential ask from outside the runtime whose reply
         * comes within both spins needs no wake-up on either side (figures in
         * docs/benchmarks.md). The cost is up to that much CPU each time the runtime falls
         * idle. Set it to zero on a machine shared with other
         * busy processes, or where idle CPU use matters more than latency. Like Erlang's
         * {@code +sbwt} scheduler busy-wait threshold.
         */
        public Builder busyWait(Duration busyWait) {
            this.busyWait = busyWait;
            return this;
        }

        /** For tests: where environment variables are read from. */
        Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment);
            return this;
        }

        /** The number of workers {@link #build()} would start (resolving env and default). */
        public int resolvedWorkerThreads() {
            return WorkerThreadsSetting.resolve(workerThreads, environment);
        }

        /**
         * Validates the settings and starts the worker threads.
         *
         * @throws IllegalArgumentException a setting is invalid; the message names it
         */
        public WorkStealingDispatcher build() {
            return new WorkStealingDispatcher(this, validate());
        }

        /**
         * Validates every setting without starting anything, as {@link #build()} does (a runtime
         * that owns several pools checks them all before it starts one).
         *
         * @return the number of workers {@link #build()} would start
         * @throws IllegalArgumentException a setting is invalid; the message names it
         */
        public int validate() {
            int n = resolvedWorkerThreads();
            if (busyWait == null || busyWait.isNegative() || busyWait.compareTo(MAX_BUSY_WAIT) > 0) {
                throw new IllegalArgumentException("busyWait must be between 0 and "
                        + MAX_BUSY_WAIT.toMillis() + " ms, got " + busyWait);
            }
            return n;
        }
    }
}
