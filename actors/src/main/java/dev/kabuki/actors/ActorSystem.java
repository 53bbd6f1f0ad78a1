package dev.kabuki.actors;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.blocking.ElasticBlockingPool;
import dev.kabuki.scheduler.CoreDispatcher;
import dev.kabuki.scheduler.CurrentThreadDispatcher;
import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinSet;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.TaskSpawner;
import dev.kabuki.scheduler.ThreadHooks;
import dev.kabuki.scheduler.TimingWheel;
import dev.kabuki.scheduler.WorkStealingDispatcher;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kabuki runtime: one core dispatcher, one blocking dispatcher and one timer. Everything a
 * program does with kabuki starts here.
 *
 * <pre>{@code
 * try (ActorSystem system = ActorSystem.builder().build()) {
 *     JoinHandle<Integer> answer = system.spawn(() -> 6 * 7);
 *     JoinHandle<String> text = system.spawnBlocking(() -> Files.readString(path));
 *     System.out.println(answer.join() + " " + text.join().length());
 * }
 * }</pre>
 *
 * <h2>Dispatchers</h2>
 * <ul>
 *   <li>{@link #spawn} runs non-blocking work on the core dispatcher: by default
 *       {@link WorkStealingDispatcher}, one worker per CPU; with
 *       {@link Flavor#CURRENT_THREAD}, the thread that calls {@link #blockOn}.</li>
 *   <li>{@link #spawnBlocking} runs blocking work (file and socket I/O, JDBC, sleeps, locks)
 *       on {@link ElasticBlockingPool}: threads made on demand up to
 *       {@code maxBlockingThreads}, FIFO queueing behind the cap, idle threads exit after
 *       {@code threadKeepAlive}. The two pools have independent limits.</li>
 *   <li>{@link #schedule} and {@link #scheduleAtFixedRate} use the {@link TimingWheel}: one
 *       thread and one small entry per pending timer.</li>
 * </ul>
 * Core workers must not block: {@link JoinHandle#join()} on a worker thread fails fast with a
 * message saying what to do instead.
 *
 * <h2>Thread safety</h2>
 * Every method is thread-safe. Only {@link #blockOn}, {@link #shutdown}, {@link #shutdownNow}
 * and {@link #close} block.
 *
 * <h2>Shutdown</h2>
 * See {@link #shutdown(Duration)}. After it returns (and {@link ShutdownReport#clean()}),
 * every thread the system started has ended.
 */
public final class ActorSystem implements TaskSpawner, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActorSystem.class);

    /** Which core dispatcher the system runs. */
    public enum Flavor {
        /** {@link WorkStealingDispatcher}: worker threads, one per CPU by default. */
        MULTI_THREAD,
        /** {@link CurrentThreadDispatcher}: no workers; tasks run inside {@link #blockOn}. */
        CURRENT_THREAD
    }

    private final String name;
    private final Flavor flavor;
    private final TimingWheel timer;
    private final CoreDispatcher core;
    private final ElasticBlockingPool blocking;
    private final Duration shutdownTimeout;
    private volatile boolean closing;
    private volatile ShutdownReport shutdownReport;
    private final int throughput;
    private final DeadLetters deadLetters = new DeadLetters();
    /** Top-level actors by name (the children of /user). */
    private final ConcurrentHashMap<String, ActorCell<?>> topLevel = new ConcurrentHashMap<>();
    /** Completed when shutdown has begun and the last top-level actor has terminated. */
    private final Promise<Void> allActorsStopped = new Promise<>(null);

    private ActorSystem(Builder b, int workers) {
        this.name = b.threadNamePrefix;
        this.flavor = b.flavor;
        this.shutdownTimeout = b.shutdownTimeout;
        this.throughput = b.throughput;
        // The pool is built (and so validated) before any thread starts; it reaches the timer,
        // made next, through this reference.
        AtomicReference<TimingWheel> timerRef = new AtomicReference<>();
        this.blocking = ElasticBlockingPool.builder()
                .maxBlockingThreads(b.maxBlockingThreads)
                .threadKeepAlive(b.threadKeepAlive)
                .blockingQueueCapacity(b.blockingQueueCapacity)
                .threadNamePrefix(b.threadNamePrefix)
                .onThreadStart(b.onThreadStart)
                .onThreadStop(b.onThreadStop)
                .timer((delay, action) -> timerRef.get().schedule(delay, action))
                .build(); // validates every blocking setting; starts no thread
        this.timer = new TimingWheel(timerThreadFactory(b));
        timerRef.set(timer);
        if (flavor == Flavor.MULTI_THREAD) {
            this.core = WorkStealingDispatcher.builder()
                    .workerThreads(workers)
                    .busyWait(b.busyWait)
                    .threadNamePrefix(b.threadNamePrefix)
                    .onThreadStart(b.onThreadStart)
                    .onThreadStop(b.onThreadStop)
                    .timer(timer)
                    .build();
        } else {
            this.core = new CurrentThreadDispatcher(b.threadNamePrefix, timer);
        }
        LOG.debug("actor system '{}' started: flavor={}, workerThreads={}, maxBlockingThreads={},"
                        + " threadKeepAlive={}, blockingQueueCapacity={}, shutdownTimeout={}",
                name, flavor, flavor == Flavor.MULTI_THREAD ? workers : 0, b.maxBlockingThreads,
                b.threadKeepAlive, b.blockingQueueCapacity == Integer.MAX_VALUE ? "unbounded"
                        : b.blockingQueueCapacity, shutdownTimeout);
    }

    private static ThreadFactory timerThreadFactory(Builder b) {
        ThreadHooks hooks = new ThreadHooks(b.onThreadStart, b.onThreadStop);
        return r -> {
            Thread t = new Thread(hooks.around(r), b.threadNamePrefix + "-timer");
            t.setDaemon(false);
            return t;
        };
    }

    /** A builder with every default; see its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /** The system's name (its thread name prefix). */
    public String name() {
        return name;
    }

    /** The core dispatcher flavour. */
    public Flavor flavor() {
        return flavor;
    }

    // ---------------------------------------------------------------- actors

    /**
     * Spawns a top-level actor, {@code /user/<name>}, with {@link ActorOptions#defaults()}. The
     * first instance is made by {@code factory} on the calling thread (an exception from it is
     * thrown here); its {@code onStart} then runs on the actor's dispatcher, before any message.
     * Thread-safe; never blocks (unless the factory does).
     *
     * @throws IllegalArgumentException a top-level actor with that name exists, or the name is
     *                                  invalid (empty, or not made of letters, digits and
     *                                  {@code - _ . ~ $})
     * @throws IllegalStateException    the system is shut down
     */
    public <M> ActorRef<M> spawnActor(String name, Supplier<? extends Actor<M>> factory) {
        return spawnActor(name, factory, ActorOptions.defaults());
    }

    /**
     * Spawns a top-level actor with options: mailbox kind and capacity, blocking dispatcher,
     * throughput, supervision. See {@link #spawnActor(String, Supplier)}.
     */
    public <M> ActorRef<M> spawnActor(String name, Supplier<? extends Actor<M>> factory, ActorOptions options) {
        validateName(name);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(factory, "factory");
        if (closing) {
            throw new IllegalStateException("kabuki runtime '" + this.name + "' is shut down; cannot spawn " + name);
        }
        ActorCell<M> cell = newCell(null, name, factory, options);
        if (topLevel.putIfAbsent(name, cell) != null) {
            throw new IllegalArgumentException("an actor named '" + name + "' already exists at /user/" + name);
        }
        cell.start();
        return cell;
    }

    /**
     * Stops an actor asynchronously: its children stop first, then its {@code onStop} runs,
     * and messages it has not processed go to dead letters. Stopping a stopped actor does
     * nothing. Thread-safe; never blocks.
     */
    public void stop(ActorRef<?> actor) {
        if (actor instanceof ActorCell<?> cell) {
            cell.stopAsync();
        } else {
            throw new IllegalArgumentException(actor + " is not an actor of this system");
        }
    }

    /** Undeliverable messages: counted, observable, logged at a bounded rate. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Makes a cell; the first actor instance is created here, on the spawning thread, so that a
     * failing factory fails the spawn call and {@link Blocking} is read once.
     */
    <M> ActorCell<M> newCell(ActorCell<?> parent, String actorName, Supplier<? extends Actor<M>> factory,
                             ActorOptions options) {
        Actor<M> instance = Objects.requireNonNull(factory.get(), "actor factory returned null");
        return new ActorCell<>(this, parent, actorName, factory, instance, options, throughput);
    }

    void topLevelTerminated(ActorCell<?> cell) {
        topLevel.remove(cell.name(), cell);
        if (closing && topLevel.isEmpty()) {
            allActorsStopped.complete(null);
        }
    }

    static void validateName(String name) {
        Objects.requireNonNull(name, "actor name");
        if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_.~$".indexOf(c) >= 0)
                || name.startsWith("$")) {
            throw new IllegalArgumentException("invalid actor name '" + name
                    + "': use letters, digits and - _ . ~ (not starting with $)");
        }
    }

    // ---------------------------------------------------------------- tasks

    /**
     * Spawns a non-blocking task on the core dispatcher. Its exception, if any, fails the handle
     * with that exception as cause; it never kills a worker. After shutdown has begun, the
     * handle fails at once with a {@link RejectedExecutionException} cause. Never blocks.
     */
    @Override
    public <T> JoinHandle<T> spawn(Callable<T> body) {
        return core.spawn(body);
    }

    /** Spawns a non-blocking task with no value; see {@link #spawn(Callable)}. */
    public JoinHandle<Void> spawn(Runnable body) {
        return core.spawn(body);
    }

    /**
     * Spawns a task that may block, on the blocking dispatcher. Same handle semantics as
     * {@link #spawn(Callable)}; aborting a running blocking task interrupts its thread. Never
     * blocks: behind the {@code maxBlockingThreads} cap the task waits in FIFO order (or, with a
     * bounded {@code blockingQueueCapacity}, its handle fails when the queue is full).
     */
    @Override
    public <T> JoinHandle<T> spawnBlocking(Callable<T> body) {
        if (closing) {
            return rejected(body);
        }
        return blocking.spawnBlocking(body);
    }

    /** Spawns a blocking task with no value; see {@link #spawnBlocking(Callable)}. */
    public JoinHandle<Void> spawnBlocking(Runnable body) {
        Objects.requireNonNull(body, "task body");
        return spawnBlocking(() -> {
            body.run();
            return null;
        });
    }

    private <T> JoinHandle<T> rejected(Callable<T> body) {
        dev.kabuki.scheduler.CallableTask<T> t = new dev.kabuki.scheduler.CallableTask<>(body, timer);
        t.abandon(new RejectedExecutionException("kabuki runtime '" + name
                + "' is shut down; the task was not run"));
        return t;
    }

    /**
     * Runs {@code body} on the core dispatcher after {@code delay}; see
     * {@link CoreDispatcher#schedule}. Never blocks.
     */
    public <T> JoinHandle<T> schedule(Duration delay, Callable<T> body) {
        return core.schedule(delay, body);
    }

    /** Runs {@code body} on the core dispatcher after {@code delay}. Never blocks. */
    public JoinHandle<Void> schedule(Duration delay, Runnable body) {
        Objects.requireNonNull(body, "task body");
        return core.schedule(delay, () -> {
            body.run();
            return null;
        });
    }

    /**
     * Runs {@code body} on the core dispatcher at a fixed rate; see
     * {@link CoreDispatcher#scheduleAtFixedRate}. Abort the handle to stop it. Never blocks.
     */
    public JoinHandle<Void> scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable body) {
        return core.scheduleAtFixedRate(initialDelay, period, body);
    }

    /** A new {@link JoinSet} spawning into this system. */
    public <T> JoinSet<T> joinSet() {
        return new JoinSet<>(this);
    }

    /**
     * Runs {@code body} and returns its value. On the current-thread flavour it runs on the
     * calling thread, which also runs the system's core tasks while {@code body} joins
     * anything (see {@link CurrentThreadDispatcher}). On the multi-thread flavour it is
     * {@code spawn(body).join()}, and so must not be called on a core worker.
     *
     * @throws dev.kabuki.scheduler.TaskFailedException the body threw (the cause)
     */
    public <T> T blockOn(Callable<T> body) {
        if (core instanceof CurrentThreadDispatcher ct) {
            return ct.blockOn(body);
        }
        return core.spawn(body).join();
    }

    /** The core dispatcher (for the actor layer and the net reactor). */
    CoreDispatcher coreDispatcher() {
        return core;
    }

    /** The blocking dispatcher (for blocking-tagged actors). */
    ElasticBlockingPool blockingPool() {
        return blocking;
    }

    /** The timer. */
    TimingWheel timer() {
        return timer;
    }

    // ---------------------------------------------------------------- metrics

    /** A snapshot of the runtime's counters. Never blocks; cheap enough to poll. */
    public RuntimeMetrics metrics() {
        DispatcherMetrics c = core.metrics();
        BlockingPoolMetrics b = blocking.metrics();
        return new RuntimeMetrics(c.workers(), c.aliveTasks(), c.globalQueueDepth(),
                c.localQueueDepth(), c.localQueueDepths(), c.steals(), c.parks(),
                c.parkedWorkers(), c.searchingWorkers(),
                b.liveThreads(), b.idleThreads(), b.queuedTasks(), b.aliveTasks(),
                timer.pendingCount());
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Graceful shutdown, in steps:
     * <ol>
     *   <li>Stop accepting work: {@code spawn}, {@code spawnBlocking} and {@code schedule}
     *       return handles that have already failed with a {@link RejectedExecutionException}
     *       cause; {@code spawnActor} throws.</li>
     *   <li>Stop every actor, children before parents ({@code onStop} runs once for each; their
     *       unprocessed messages go to dead letters), waiting for them within the timeout.</li>
     *   <li>Cancel timers not yet due: their scheduled tasks' handles fail with a
     *       {@link RejectedExecutionException} cause; periodic tasks stop.</li>
     *   <li>Let running and queued tasks on both dispatchers finish, for up to {@code timeout}
     *       in all.</li>
     *   <li>At the deadline, cancel what still runs (handles complete as CANCELLED, threads are
     *       interrupted) and abandon what is still queued (handles fail with a
     *       {@link RejectedExecutionException} cause).</li>
     *   <li>Wait a short grace (at most 5 s) for every thread the system started to end.</li>
     * </ol>
     * The report says what was abandoned or interrupted; anything that was is also logged at
     * WARN. Idempotent: later calls return the first report. Blocks the caller; must not be
     * called from a core worker thread.
     */
    public synchronized ShutdownReport shutdown(Duration timeout) {
        if (shutdownReport != null) {
            return shutdownReport;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("shutdown timeout must not be negative, got " + timeout);
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        closing = true;
        stopAllActors(deadline);
        int timersCancelled = timer.shutdown();
        DispatcherShutdown coreReport = core.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        BlockingPoolShutdown blockingReport = blocking.shutdown(
                Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        boolean clean = coreReport.drained() && blockingReport.drained()
                && coreReport.threadsStillAlive() == 0 && blockingReport.threadsStillAlive() == 0;
        ShutdownReport report = new ShutdownReport(clean, Duration.ofNanos(System.nanoTime() - start),
                timersCancelled, coreReport, blockingReport);
        shutdownReport = report;
        if (report.abandonedTasks() > 0 || report.interruptedTasks() > 0 || report.threadsStillAlive() > 0) {
            LOG.warn("actor system '{}' shut down with work left after {}: {} task(s) abandoned, {}"
                            + " interrupted, {} thread(s) still alive",
                    name, timeout, report.abandonedTasks(), report.interruptedTasks(), report.threadsStillAlive());
        } else {
            LOG.debug("actor system '{}' shut down cleanly in {}", name, report.took());
        }
        return report;
    }

    /** Stops every top-level actor (children first) and waits, until the deadline, for them. */
    private void stopAllActors(long deadline) {
        if (topLevel.isEmpty()) {
            allActorsStopped.complete(null);
            return;
        }
        for (ActorCell<?> cell : topLevel.values()) {
            cell.stopAsync();
        }
        if (topLevel.isEmpty()) {
            allActorsStopped.complete(null);
        }
        long remaining = deadline - System.nanoTime();
        if (remaining > 0) {
            try {
                allActorsStopped.join(Duration.ofNanos(remaining));
            } catch (RuntimeException timedOut) {
                LOG.warn("actor system '{}': {} actor(s) had not stopped by the shutdown deadline",
                        name, topLevel.size());
            }
        }
    }

    /**
     * Immediate shutdown: {@link #shutdown(Duration)} with a zero timeout: running tasks are
     * cancelled and interrupted, queued ones abandoned.
     */
    public ShutdownReport shutdownNow() {
        return shutdown(Duration.ZERO);
    }

    /** {@link #shutdown(Duration)} with the builder's {@code shutdownTimeout}. */
    @Override
    public void close() {
        shutdown(shutdownTimeout);
    }

    /** Whether shutdown has begun. */
    public boolean isShutdown() {
        return closing;
    }

    // ---------------------------------------------------------------- builder

    /**
     * Configures an {@link ActorSystem}. Every value is validated by {@link #build()}, which
     * fails fast with an {@link IllegalArgumentException} naming the setting and the value.
     * Not thread-safe.
     */
    public static final class Builder {
        private Flavor flavor = Flavor.MULTI_THREAD;
        private Integer workerThreads;
        private int maxBlockingThreads = 512;
        private Duration threadKeepAlive = Duration.ofSeconds(10);
        private int blockingQueueCapacity = Integer.MAX_VALUE;
        private String threadNamePrefix = "kabuki";
        private Runnable onThreadStart;
        private Runnable onThreadStop;
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private int throughput = 10;
        private Duration busyWait = WorkStealingDispatcher.DEFAULT_BUSY_WAIT;

        private Builder() {
        }

        /**
         * How long a core worker that ran out of work keeps looking for more before it parks,
         * 0 to 10 ms; only one worker busy-waits at a time. Default 20 µs. A short busy-wait makes
         * request/response traffic from outside the runtime (asks) several times faster, at the
         * cost of up to that much CPU each time the runtime falls idle; set {@link Duration#ZERO}
         * where idle CPU matters more (a machine shared with other busy processes). See
         * docs/runtime.md. Ignored by {@link Flavor#CURRENT_THREAD}.
         */
        public Builder busyWait(Duration busyWait) {
            this.busyWait = busyWait;
            return this;
        }

        /**
         * Most messages an actor processes per activation before it yields its worker to other
         * actors (fairness vs. throughput), 1 to 100,000. Default 10.
         */
        public Builder throughput(int messages) {
            this.throughput = messages;
            return this;
        }

        /** Core dispatcher flavour. Default {@link Flavor#MULTI_THREAD}. */
        public Builder flavor(Flavor flavor) {
            this.flavor = Objects.requireNonNull(flavor, "flavor");
            return this;
        }

        /**
         * Core worker threads, 1 to 32767. Default: the environment variable
         * {@code KABUKI_WORKER_THREADS} if set (it must be a positive integer, or
         * {@link #build()} fails naming it), else {@link Runtime#availableProcessors()}. A value
         * set here wins over the variable. Ignored by {@link Flavor#CURRENT_THREAD}.
         */
        public Builder workerThreads(int n) {
            this.workerThreads = n;
            return this;
        }

        /**
         * Most threads of the blocking dispatcher, 1 to 32767; independent of the core workers.
         * Default 512.
         */
        public Builder maxBlockingThreads(int n) {
            this.maxBlockingThreads = n;
            return this;
        }

        /** How long an idle blocking thread lives before it exits; positive. Default 10 s. */
        public Builder threadKeepAlive(Duration keepAlive) {
            this.threadKeepAlive = keepAlive;
            return this;
        }

        /**
         * Most blocking tasks waiting behind the {@code maxBlockingThreads} cap; at least 1.
         * Default unbounded ({@link Integer#MAX_VALUE}). When full, {@code spawnBlocking}
         * returns a handle already failed with a {@link RejectedExecutionException} cause.
         */
        public Builder blockingQueueCapacity(int capacity) {
            this.blockingQueueCapacity = capacity;
            return this;
        }

        /**
         * Prefix of every thread name and the system's name: {@code <prefix>-worker-N},
         * {@code <prefix>-blocking-N}, {@code <prefix>-timer}. Default "kabuki".
         */
        public Builder threadNamePrefix(String prefix) {
            this.threadNamePrefix = prefix;
            return this;
        }

        /**
         * Runs on every thread the system starts (workers, blocking threads, the timer), on
         * that thread, before it does any work. Default: none. A hook that throws is logged.
         */
        public Builder onThreadStart(Runnable hook) {
            this.onThreadStart = hook;
            return this;
        }

        /** Runs on every thread the system started, just before it ends. Default: none. */
        public Builder onThreadStop(Runnable hook) {
            this.onThreadStop = hook;
            return this;
        }

        /**
         * How long {@link ActorSystem#close()} lets running and queued work finish before
         * cancelling it; zero or more. Default 30 s.
         */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        /**
         * Validates every setting, then starts the system.
         *
         * @throws IllegalArgumentException a setting is invalid; the message names it
         */
        public ActorSystem build() {
            if (threadNamePrefix == null || threadNamePrefix.isBlank()) {
                throw new IllegalArgumentException("threadNamePrefix must not be blank, got '"
                        + threadNamePrefix + "'");
            }
            if (throughput < 1 || throughput > 100_000) {
                throw new IllegalArgumentException("throughput must be between 1 and 100000, got " + throughput);
            }
            if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must be zero or more, got " + shutdownTimeout);
            }
            int workers = 0;
            if (flavor == Flavor.MULTI_THREAD) {
                WorkStealingDispatcher.Builder core = WorkStealingDispatcher.builder()
                        .busyWait(busyWait).threadNamePrefix(threadNamePrefix);
                if (workerThreads != null) {
                    core.workerThreads(workerThreads);
                }
                workers = core.validate(); // before any thread starts
            }
            return new ActorSystem(this, workers);
        }
    }
}
