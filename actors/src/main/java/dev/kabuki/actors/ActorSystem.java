package dev.kabuki.actors;

import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.actors.internal.ActorSystemInternals;
import dev.kabuki.blocking.internal.ElasticBlockingPool;
import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.JoinSet;
import dev.kabuki.scheduler.TaskSpawner;
import dev.kabuki.scheduler.internal.ActivationDispatcher;
import dev.kabuki.scheduler.internal.CallableTask;
import dev.kabuki.scheduler.internal.CoreDispatcher;
import dev.kabuki.scheduler.internal.CurrentThreadDispatcher;
import dev.kabuki.scheduler.internal.PromiseHandle;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.ThreadHooks;
import dev.kabuki.scheduler.internal.Timer;
import dev.kabuki.scheduler.internal.ManualTimer;
import dev.kabuki.scheduler.internal.RuntimeTimer;
import dev.kabuki.scheduler.internal.TimingWheel;
import dev.kabuki.scheduler.internal.WorkStealingDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
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

    /** The system whose thread (worker, blocking, timer) the current thread is, if any. */
    private static final ThreadLocal<ActorSystem> OWN_SYSTEM = new ThreadLocal<>();

    static {
        ActorSystemInternals.setAccess(new ActorSystemInternals.Access() {
            @Override
            public CoreDispatcher coreDispatcher(ActorSystem system) {
                return system.coreDispatcher();
            }

            @Override
            public ThreadHooks threadHooks(ActorSystem system) {
                return system.threadHooks;
            }

            @Override
            public int actorUid(ActorRef<?> ref) {
                ActorCell<?> cell = ActorCell.cellOf(ref);
                return cell == null ? 0 : cell.uid;
            }

            @Override
            public ActorRef<?> topLevel(ActorSystem system, String name) {
                ActorCell<?> cell = system.topLevel.get(name);
                return cell == null || cell.isTerminated() ? null : cell;
            }

            @Override
            public boolean addWatcher(ActorRef<?> ref, Runnable notify) {
                ActorCell<?> cell = ActorCell.cellOf(ref);
                if (cell == null) {
                    return false;
                }
                cell.addWatcher(notify);
                return true;
            }

            @Override
            public void removeWatcher(ActorRef<?> ref, Runnable notify) {
                ActorCell<?> cell = ActorCell.cellOf(ref);
                if (cell != null) {
                    cell.removeWatcher(notify);
                }
            }

            @Override
            public void deadLetter(ActorSystem system, Object message, String recipient, String reason) {
                system.deadLetters().publish(message, recipient, reason);
            }
        });
    }

    private final String name;
    private final Flavor flavor;
    private final RuntimeTimer timer;
    /** The timeouts of the asks each thread sends from outside an actor, kept per thread. */
    private final ThreadLocal<ThreadAskDeadlines> threadAskDeadlines =
            ThreadLocal.withInitial(() -> new ThreadAskDeadlines(timer()));
    private final CoreDispatcher core;
    /** Run on every thread the system makes: marks it as the system's own, then the user's hook. */
    private final ThreadHooks threadHooks;
    private final ElasticBlockingPool blocking;
    private final Duration shutdownTimeout;
    private volatile boolean closing;
    private volatile ShutdownReport shutdownReport;
    private final int throughput;
    private final DeadLetters deadLetters = new DeadLetters();
    /** Top-level actors by name (the children of /user). */
    private final ConcurrentHashMap<String, ActorCell<?>> topLevel = new ConcurrentHashMap<>();
    /** Completed when shutdown has begun and the last top-level actor has terminated. */
    private final PromiseHandle<Void> allActorsStopped = new PromiseHandle<>(null);
    /** Where activations of actors tagged blocking run: the blocking pool, falling back to the core. */
    private final ActivationDispatcher blockingActivations;
    /** Actors spawned and not yet terminated. */
    private final LongAdder liveActors = new LongAdder();
    private final IgnoreRef ignoreRef = new IgnoreRef(this);
    /** Actors the shutdown abandoned: terminated without onStop because no thread would run it. */
    private final AtomicInteger abandonedActors = new AtomicInteger();
    /** Completed with the report when the shutdown has finished. */
    private final PromiseHandle<ShutdownReport> terminated = new PromiseHandle<>(null);
    private final AtomicBoolean shutdownThreadStarted = new AtomicBoolean();
    /** I/O selectors kabuki-net's driver runs; resolved from the builder's setting. */
    private final int ioSelectors;
    /** Extensions by type; guarded by itself. Closed (and no new one made) once the shutdown began. */
    private final LinkedHashMap<Class<?>, Extension> extensions = new LinkedHashMap<>();
    private boolean extensionsClosed;

    private ActorSystem(Builder b, int workers) {
        this.name = b.threadNamePrefix;
        this.flavor = b.flavor;
        this.shutdownTimeout = b.shutdownTimeout;
        this.throughput = b.throughput;
        this.ioSelectors = b.ioSelectors > 0 ? b.ioSelectors : Math.max(1, Math.min(256, workers)); // current-thread: 1
        Runnable onStart = () -> {
            OWN_SYSTEM.set(this);   // first: "is this one of my threads" must hold even if the user's hook throws
            if (b.onThreadStart != null) {
                b.onThreadStart.run();
            }
        };
        ThreadHooks hooks = new ThreadHooks(onStart, b.onThreadStop);
        this.threadHooks = hooks;
        this.timer = b.startPaused ? new ManualTimer()
                : new TimingWheel(timerThreadFactory(b.threadNamePrefix, hooks));
        try {
            RuntimeContext context = new RuntimeContext(b.threadNamePrefix, hooks, timer);
            ElasticBlockingPool.Builder pool = ElasticBlockingPool.builder()
                    .maxBlockingThreads(b.maxBlockingThreads)
                    .threadKeepAlive(b.threadKeepAlive)
                    .blockingQueueCapacity(b.blockingQueueCapacity)
                    .context(context);
            if (b.blockingThreadFactory != null) {
                pool.threadFactory(b.blockingThreadFactory);
            }
            this.blocking = pool.build(); // validates every blocking setting; starts no thread
            if (flavor == Flavor.MULTI_THREAD) {
                this.core = WorkStealingDispatcher.builder()
                        .workerThreads(workers)
                        .busyWait(b.busyWait)
                        .context(context)
                        .build();
            } else {
                this.core = new CurrentThreadDispatcher(b.threadNamePrefix, timer);
            }
        } catch (RuntimeException | Error e) {
            timer.shutdown();
            throw e;
        }
        timer.handCompletionsTo(core); // callbacks of timed-out handles run on the core, not the timer thread
        this.blockingActivations = new BlockingActivations(blocking, core);
        LOG.debug("actor system '{}' started: flavor={}, workerThreads={}, maxBlockingThreads={},"
                        + " threadKeepAlive={}, blockingQueueCapacity={}, shutdownTimeout={}",
                name, flavor, flavor == Flavor.MULTI_THREAD ? workers : 0, b.maxBlockingThreads,
                b.threadKeepAlive, b.blockingQueueCapacity == Integer.MAX_VALUE ? "unbounded"
                        : b.blockingQueueCapacity, shutdownTimeout);
    }

    private static ThreadFactory timerThreadFactory(String prefix, ThreadHooks hooks) {
        return r -> {
            Thread t = new Thread(hooks.around(r), prefix + "-timer");
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
     * <b>The factory runs again on every restart</b> (the default supervision restarts a failed
     * actor), on the actor's thread: it must make a fresh instance each time and must not read
     * another actor's state; use {@link #spawnActor(String, ActorFactory)} when the instance
     * needs its own context. Thread-safe; never blocks (unless the factory does).
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
        return spawnActor(name, fromSupplier(factory), options);
    }

    /**
     * Spawns a top-level actor whose factory is handed the actor's own context, at spawn and at
     * every restart (see {@link ActorFactory}). Otherwise as {@link #spawnActor(String, Supplier)}.
     */
    public <M> ActorRef<M> spawnActor(String name, ActorFactory<M> factory) {
        return spawnActor(name, factory, ActorOptions.defaults());
    }

    /** {@link #spawnActor(String, ActorFactory)} with options. */
    public <M> ActorRef<M> spawnActor(String name, ActorFactory<M> factory, ActorOptions options) {
        validateName(name);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(factory, "factory");
        if (closing) {
            throw new IllegalStateException("kabuki runtime '" + this.name + "' is shut down; cannot spawn " + name);
        }
        ActorCell<M> cell = newCell(null, name, factory, options);
        if (topLevel.putIfAbsent(name, cell) != null) {
            cell.discard();
            throw new IllegalArgumentException("an actor named '" + name + "' already exists at /user/" + name);
        }
        cell.start();
        return cell;
    }

    /** A supplier as a factory that ignores the context. */
    static <M> ActorFactory<M> fromSupplier(Supplier<? extends Actor<M>> supplier) {
        Objects.requireNonNull(supplier, "factory");
        return ctx -> supplier.get();
    }

    /**
     * Stops an actor asynchronously: its children stop first, then its {@code onStop} runs,
     * and messages it has not processed go to dead letters. Stopping a stopped actor does
     * nothing. Thread-safe; never blocks.
     */
    public void stop(ActorRef<?> actor) {
        ActorCell<?> cell = ActorCell.cellOf(actor);
        if (cell != null && cell.system() == this) {
            cell.stopAsync();
        } else {
            throw new IllegalArgumentException(actor + " is not an actor of this system");
        }
    }

    /**
     * A reply address that drops whatever it is told, without a dead letter: for a request whose
     * reply the sender does not want ({@code account.tell(new Deposit(10, system.ignoreRef()))}).
     * {@code tryTell} returns true; an {@code ask} on it times out (nobody answers). Thread-safe;
     * never blocks.
     *
     * @param <T> any message type
     */
    @SuppressWarnings("unchecked")
    public <T> ActorRef<T> ignoreRef() {
        return (ActorRef<T>) ignoreRef;
    }

    /** Undeliverable messages: counted, observable, logged at a bounded rate. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Makes a cell; the first actor instance is created here, on the spawning thread, so that a
     * failing factory fails the spawn call and {@link Blocking} is read once.
     */
    <M> ActorCell<M> newCell(ActorCell<?> parent, String actorName, ActorFactory<M> factory,
                             ActorOptions options) {
        ActorCell<M> cell = new ActorCell<>(this, parent, actorName, factory, options, throughput);
        cell.createFirstInstance();
        liveActors.increment();
        return cell;
    }

    /**
     * The runtime's clock, in nanoseconds: what timers measure deadlines with (receive timeouts
     * and the supervision window read it too, so that they follow the same time).
     */
    long nanoTime() {
        return timer.nanoTime();
    }

    /** An actor has terminated (whatever ended it). */
    void actorTerminated() {
        liveActors.decrement();
    }

    /** The shutdown abandoned an actor: no thread would run it again, its onStop did not run. */
    void actorAbandoned() {
        abandonedActors.incrementAndGet();
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
        if (closing) {
            return rejected(body);
        }
        return core.spawn(body);
    }

    /** Spawns a non-blocking task with no value; see {@link #spawn(Callable)}. */
    public JoinHandle<Void> spawn(Runnable body) {
        Objects.requireNonNull(body, "task body");
        return spawn(() -> {
            body.run();
            return null;
        });
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

    /**
     * A new pending {@link Promise}, completed by whoever holds it: to hand a callback API's
     * result (or another thread's) to code that works with {@link JoinHandle}s, or to an actor
     * with {@code ctx.pipeToSelf}. Its {@code orTimeout} uses this system's timer. On the
     * current-thread flavour, {@code join} on it outside {@code blockOn}, while nothing drives the
     * runtime, throws {@link IllegalStateException} instead of waiting. Thread-safe; never blocks.
     */
    @Override
    public <T> Promise<T> promise() {
        return core.promise();
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
        CallableTask<T> t = new CallableTask<>(body, timer);
        t.abandon(new RejectedExecutionException("kabuki runtime '" + name
                + "' is shut down; the task was not run"));
        return t;
    }

    /**
     * Runs {@code body} on the core dispatcher after {@code delay}; see
     * {@link CoreDispatcher#schedule}. Never blocks.
     */
    public <T> JoinHandle<T> schedule(Duration delay, Callable<T> body) {
        if (closing) {
            Objects.requireNonNull(delay, "delay");
            return rejected(body);
        }
        return core.schedule(delay, body);
    }

    /** Runs {@code body} on the core dispatcher after {@code delay}. Never blocks. */
    public JoinHandle<Void> schedule(Duration delay, Runnable body) {
        Objects.requireNonNull(body, "task body");
        return schedule(delay, () -> {
            body.run();
            return null;
        });
    }

    /**
     * Runs {@code body} on the core dispatcher at a fixed rate; see
     * {@link CoreDispatcher#scheduleAtFixedRate}. Abort the handle to stop it. Never blocks.
     */
    public JoinHandle<Void> scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable body) {
        if (closing) {
            Objects.requireNonNull(body, "task body");
            return rejected(() -> {
                body.run();
                return null;
            });
        }
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

    /** Where activations of core actors run: the core dispatcher itself. */
    ActivationDispatcher coreActivations() {
        return core;
    }

    /** Where activations of actors tagged blocking run. */
    ActivationDispatcher blockingActivations() {
        return blockingActivations;
    }

    /** The current-thread dispatcher, or null for the multi-thread flavour. */
    CurrentThreadDispatcher currentThreadDispatcher() {
        return core instanceof CurrentThreadDispatcher ct ? ct : null;
    }

    /** The timer. */
    RuntimeTimer timer() {
        return timer;
    }

    /** The calling thread's ask timeouts for this system ({@link ThreadAskDeadlines}). */
    ThreadAskDeadlines threadAskDeadlines() {
        return threadAskDeadlines.get();
    }

    // ---------------------------------------------------------------- manual time

    /**
     * Whether this system runs on manual time ({@link Builder#startPaused}): its clock stands
     * still until {@link #advanceTime} moves it.
     */
    public boolean isPaused() {
        return timer instanceof ManualTimer;
    }

    /**
     * Moves a paused system's clock forward by {@code by} and runs everything that falls due,
     * deterministically, on the calling thread (Tokio's {@code time::advance}): the clock steps
     * from deadline to deadline, and at each one the timers due then fire (ask timeouts, timers
     * to self, receive timeouts, supervision back-off, scheduled tasks) and then every message
     * and task they set off runs, before the clock moves on. Returns when the clock has reached
     * the new time and nothing is ready to run. No real time passes: an hour-long timeout fires
     * after {@code advanceTime(Duration.ofHours(1))} at once.
     *
     * <p>Only the core is driven: actors tagged blocking and blocking tasks run on real threads
     * in real time, and what they send back is run at the next {@code advanceTime},
     * {@link #runUntilIdle} or join on the driving thread. Call it from the test's thread, or
     * inside {@link #blockOn}.
     *
     * @throws IllegalStateException the system is not paused; another thread drives it; called
     *                               from a timer action; or the system is shut down
     * @throws IllegalArgumentException {@code by} is negative
     */
    public void advanceTime(Duration by) {
        currentThreadCore("advanceTime").advance(by);
    }

    /**
     * Runs a current-thread system's ready work on the calling thread until nothing is ready: the
     * messages queued so far and everything they set off (on a paused system, also the timers due
     * at the current time, without moving the clock). For tests.
     *
     * @throws IllegalStateException the system is not of the current-thread flavour; another
     *                               thread drives it; or it is shut down
     */
    public void runUntilIdle() {
        currentThreadCore("runUntilIdle").runUntilIdle();
    }

    private CurrentThreadDispatcher currentThreadCore(String what) {
        if (what.equals("advanceTime") && !isPaused()) {
            throw new IllegalStateException(what + " needs a system on manual time: build it with "
                    + "ActorSystem.builder().flavor(Flavor.CURRENT_THREAD).startPaused(true)");
        }
        if (!(core instanceof CurrentThreadDispatcher c)) {
            throw new IllegalStateException(what + " needs the CURRENT_THREAD flavour; system '" + name
                    + "' is " + flavor);
        }
        return c;
    }

    // ---------------------------------------------------------------- metrics

    /** A snapshot of the runtime's counters. Never blocks; cheap enough to poll. */
    public RuntimeMetrics metrics() {
        return new RuntimeMetrics(core.metrics(), blocking.metrics(), timer.pendingCount());
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Graceful shutdown, in steps:
     * <ol>
     *   <li>Stop accepting work: {@code spawn}, {@code spawnBlocking} and {@code schedule}
     *       return handles that have already failed with a {@link RejectedExecutionException}
     *       cause; {@code spawnActor} throws.</li>
     *   <li>Stop every actor, children before parents ({@code onStop} runs once for each; their
     *       unprocessed messages go to dead letters), waiting for them within the timeout. On the
     *       current-thread flavour the calling thread runs their stop (as the driver, or inside
     *       {@code blockOn} where it is called from there).</li>
     *   <li>Cancel timers not yet due: their scheduled tasks' handles fail with a
     *       {@link RejectedExecutionException} cause; periodic tasks stop.</li>
     *   <li>Let running and queued tasks on both dispatchers finish, for up to {@code timeout}
     *       in all.</li>
     *   <li>At the deadline, cancel what still runs (handles complete as CANCELLED, threads are
     *       interrupted) and abandon what is still queued (handles fail with a
     *       {@link RejectedExecutionException} cause). An actor whose activation is abandoned
     *       terminates without {@code onStop} (its messages to dead letters, its pending asks
     *       failed, its watchers told).</li>
     *   <li>Wait a short grace (at most 5 s) for every thread the system started to end.</li>
     * </ol>
     * The report says what was abandoned or interrupted, and how many actors did not stop;
     * {@link ShutdownReport#clean()} is true only if nothing was. Anything left is also logged
     * at WARN. Idempotent: later calls wait for the first and return its report.
     *
     * <p><b>Blocks the caller</b>, so it must be called from outside the runtime: called on one of
     * the system's own threads (a core worker, a blocking-pool thread, or a task or actor running
     * inside the current-thread flavour's {@code blockOn}), it would wait for itself, so it throws
     * {@link IllegalStateException} before changing anything. From inside the runtime use
     * {@link #close()} or {@link #terminate()}, which begin the shutdown and return.
     *
     * @throws IllegalStateException    called on one of the system's own threads
     * @throws IllegalArgumentException {@code timeout} is negative
     */
    public ShutdownReport shutdown(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("shutdown timeout must not be negative, got " + timeout);
        }
        if (calledFromOwnThread()) {
            throw new IllegalStateException("shutdown(" + timeout + ") called on thread '"
                    + Thread.currentThread().getName() + "', which runs actors or tasks of the actor"
                    + " system '" + name + "': it would wait for itself. Nothing was shut down. From"
                    + " inside the runtime call close() or terminate(), which begin the shutdown and"
                    + " return; wait for it from outside with whenTerminated()");
        }
        return shutdownAndWait(timeout);
    }

    private synchronized ShutdownReport shutdownAndWait(Duration timeout) {
        if (shutdownReport != null) {
            return shutdownReport;
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        closing = true;
        stopAllActors(deadline);
        closeExtensions();
        int timersCancelled = timer.shutdown();
        DispatcherShutdown coreReport = core.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        BlockingPoolShutdown blockingReport = blocking.shutdown(
                Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        int actorsNotStopped = abandonedActors.get() + (int) Math.max(0, liveActors.sum());
        boolean clean = coreReport.drained() && blockingReport.drained() && actorsNotStopped == 0
                && coreReport.threadsStillAlive() == 0 && blockingReport.threadsStillAlive() == 0;
        ShutdownReport report = new ShutdownReport(clean, Duration.ofNanos(System.nanoTime() - start),
                timersCancelled, actorsNotStopped, coreReport, blockingReport);
        shutdownReport = report;
        if (!clean) {
            LOG.warn("actor system '{}' shut down with work left after {}: {} actor(s) not stopped,"
                            + " {} task(s) abandoned, {} interrupted, {} thread(s) still alive",
                    name, timeout, actorsNotStopped, report.abandonedTasks(), report.interruptedTasks(),
                    report.threadsStillAlive());
        } else {
            LOG.debug("actor system '{}' shut down cleanly in {}", name, report.took());
        }
        terminated.complete(report);
        return report;
    }

    /**
     * A service that lives as long as an actor system and is shared by everything using it, such
     * as kabuki-net's I/O driver: made on first use by {@link #extension}, closed by the shutdown
     * once every actor has stopped (so actors' {@code onStop} may still use it) and before the
     * dispatchers stop.
     */
    public interface Extension {
        /**
         * Releases what the extension holds (threads, selectors, files) and returns once its
         * threads have ended. Called once, on the thread running the shutdown; an exception is
         * logged and the shutdown goes on.
         */
        void close();
    }

    /**
     * This system's extension of the given type, made by {@code create} on first use (once,
     * even when threads race). Thread-safe; {@code create} runs under a lock, so it must not
     * call {@code extension} again.
     *
     * @throws IllegalStateException the system is shutting down (no extension is made then)
     */
    public <E extends Extension> E extension(Class<E> type, Function<ActorSystem, ? extends E> create) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(create, "create");
        synchronized (extensions) {
            if (extensionsClosed || closing) {
                throw new IllegalStateException("actor system '" + name + "' is shutting down: no "
                        + type.getSimpleName() + " can be started");
            }
            Extension e = extensions.get(type);
            if (e == null) {
                e = Objects.requireNonNull(create.apply(this), "create returned null");
                extensions.put(type, e);
            }
            return type.cast(e);
        }
    }

    /**
     * This system's remote side: the one started by {@link Builder#remote} (or by kabuki-remote's
     * {@code RemoteActors.start}). Thread-safe, non-blocking.
     *
     * @throws IllegalStateException the system is local only, or shutting down
     */
    public Remoting remote() {
        synchronized (extensions) {
            for (Extension e : extensions.values()) {
                if (e instanceof Remoting r && !extensionsClosed) {
                    return r;
                }
            }
        }
        throw new IllegalStateException("actor system '" + name + "' is local only: give its builder "
                + ".remote(RemoteSettings.bind(host, port)) (kabuki-remote) to reach other systems");
    }

    /**
     * How many I/O selectors (and selector threads) kabuki-net's driver runs: the builder's
     * {@link Builder#ioSelectors(int)}, by default one per core worker (at most 256; one for the current-thread flavour).
     */
    public int ioSelectors() {
        return ioSelectors;
    }

    private void closeExtensions() {
        List<Extension> toClose;
        synchronized (extensions) {
            extensionsClosed = true;
            toClose = new ArrayList<>(extensions.values());
        }
        Collections.reverse(toClose); // last made, first closed
        for (Extension e : toClose) {
            try {
                e.close();
            } catch (RuntimeException | Error failure) {
                LOG.error("actor system '{}': closing extension {} failed", name, e.getClass().getName(), failure);
            }
        }
    }

    /** Stops every top-level actor (children first) and waits, until the deadline, for them. */
    private void stopAllActors(long deadline) {
        for (ActorCell<?> cell : topLevel.values()) {
            cell.stopAsync();
        }
        if (topLevel.isEmpty()) {
            allActorsStopped.complete(null);
        }
        boolean stopped;
        if (core instanceof CurrentThreadDispatcher ct) {
            stopped = ct.runUntil(allActorsStopped, deadline); // their stop runs on this thread
        } else {
            long remaining = deadline - System.nanoTime();
            stopped = allActorsStopped.isFinished();
            if (!stopped && remaining > 0) {
                try {
                    allActorsStopped.join(Duration.ofNanos(remaining));
                    stopped = true;
                } catch (RuntimeException timedOut) {
                    stopped = false;
                }
            }
        }
        if (!stopped) {
            LOG.warn("actor system '{}': {} top-level actor(s) had not stopped by the shutdown deadline",
                    name, topLevel.size());
        }
    }

    /**
     * Immediate shutdown: {@link #shutdown(Duration)} with a zero timeout: running tasks are
     * cancelled and interrupted, queued ones abandoned. Same rules: blocks, and throws on the
     * system's own threads.
     */
    public ShutdownReport shutdownNow() {
        return shutdown(Duration.ZERO);
    }

    /**
     * Shuts down with the builder's {@code shutdownTimeout}. From outside the runtime it is
     * {@link #shutdown(Duration)}: it blocks until the shutdown is over. From one of the
     * system's own threads (inside an actor or a task) it is {@link #terminate()}: it begins the
     * shutdown on a thread of its own and returns at once, since waiting there would wait for
     * itself. Either way {@link #isShutdown()} is true when it returns.
     */
    @Override
    public void close() {
        if (calledFromOwnThread()) {
            terminate();
        } else {
            shutdown(shutdownTimeout);
        }
    }

    /**
     * Begins the graceful shutdown ({@link #shutdown(Duration)} with the builder's
     * {@code shutdownTimeout}) on a thread of its own, {@code <prefix>-shutdown}, and returns at
     * once; callable from anywhere, including an actor. New work is refused from the moment it
     * returns. Idempotent: a shutdown already under way is not started twice.
     *
     * @return {@link #whenTerminated()}
     */
    public JoinHandle<ShutdownReport> terminate() {
        closing = true; // refuse new work now, not when the shutdown thread gets going
        if (shutdownReport == null && shutdownThreadStarted.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                try {
                    shutdownAndWait(shutdownTimeout);
                } catch (Throwable e) {
                    LOG.error("actor system '{}': the shutdown failed", name, e);
                    terminated.fail(e);
                }
            }, name + "-shutdown");
            t.setDaemon(false); // the JVM waits for the shutdown to finish
            t.start();
        }
        return terminated;
    }

    /**
     * A handle that completes with the {@link ShutdownReport} once the shutdown (however it
     * was started) has finished. Never blocks; the handle's {@code join} may be called from any
     * thread outside the runtime.
     */
    public JoinHandle<ShutdownReport> whenTerminated() {
        return terminated;
    }

    /** Whether shutdown has begun. */
    public boolean isShutdown() {
        return closing;
    }

    /**
     * Whether the calling thread is one the shutdown would wait for: a thread this system
     * started, or the current-thread flavour's driver while it runs one of the system's tasks.
     */
    private boolean calledFromOwnThread() {
        if (OWN_SYSTEM.get() == this) {
            return true;
        }
        return core instanceof CurrentThreadDispatcher ct && ct.isRunningTaskOnCallingThread();
    }

    // ---------------------------------------------------------------- activations

    /**
     * Blocking actors' activations: the blocking pool, bypassing its queue capacity (there is at
     * most one activation per actor). A refused activation (no thread could be made) goes to the
     * core dispatcher, where the actor stops.
     */
    private static final class BlockingActivations implements ActivationDispatcher {
        private final ElasticBlockingPool pool;
        private final ActivationDispatcher core;

        BlockingActivations(ElasticBlockingPool pool, ActivationDispatcher core) {
            this.pool = pool;
            this.core = core;
        }

        @Override
        public void execute(Task activation) {
            pool.executeUncapped(activation);
        }

        @Override
        public void executeYielded(Task activation) {
            pool.executeUncapped(activation); // FIFO: behind the waiting work
        }

        @Override
        public boolean hasQueuedWork() {
            return pool.hasQueuedWork();
        }

        @Override
        public ActivationDispatcher fallback() {
            return core;
        }

        @Override
        public Timer timer() {
            return core.timer();
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Configures an {@link ActorSystem}. Every value is validated by {@link #build()}, which
     * fails fast with an {@link IllegalArgumentException} naming the setting and the value.
     * Not thread-safe.
     */
    public static final class Builder {
        private Flavor flavor = Flavor.MULTI_THREAD;
        private boolean startPaused;
        private Integer workerThreads;
        private int maxBlockingThreads = 512;
        private Duration threadKeepAlive = Duration.ofSeconds(10);
        private int blockingQueueCapacity = Integer.MAX_VALUE;
        private String threadNamePrefix = RuntimeContext.DEFAULT_THREAD_NAME_PREFIX;
        private Runnable onThreadStart;
        private Runnable onThreadStop;
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private int throughput = 10;
        private Duration busyWait = WorkStealingDispatcher.DEFAULT_BUSY_WAIT;
        private ThreadFactory blockingThreadFactory;
        private int ioSelectors;
        private Remoting.Provider remote;

        private Builder() {
        }

        /**
         * How many {@code java.nio} selectors, each with a thread of its own
         * ({@code <prefix>-io-N}), kabuki-net's I/O driver runs once the system's first server
         * or client starts, 1 to 256. Connections are spread over them round-robin. Default: one
         * per core worker (at most 256): while the core workers are idle a selector thread runs
         * its connections' handlers itself (see docs/net.md, "The I/O driver", for the rule
         * and how the default was chosen). A system that never opens a socket starts none.
         */
        public Builder ioSelectors(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("ioSelectors must be between 1 and 256, got " + n);
            }
            this.ioSelectors = n;
            return this;
        }

        /** Test hook: how the blocking pool makes its threads (to make thread creation fail). */
        Builder blockingThreadFactory(ThreadFactory factory) {
            this.blockingThreadFactory = Objects.requireNonNull(factory, "factory");
            return this;
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
         * Manual time, for tests (Tokio's {@code start_paused}): the system's clock stands still
         * until {@link ActorSystem#advanceTime} moves it, and every timer (ask timeouts, timers
         * to self, receive timeouts, supervision back-off, scheduled tasks) fires by that clock,
         * with no timer thread. Needs the {@link Flavor#CURRENT_THREAD} flavour, so that one
         * thread runs everything in a repeatable order. The blocking pool's idle threads follow
         * the manual clock too: one exits when the clock has moved its keep-alive on. Default
         * false.
         */
        public Builder startPaused(boolean paused) {
            this.startPaused = paused;
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
         * The system's name ({@link ActorSystem#name()}), which is also the prefix of its
         * threads' names and, with kabuki-remote, the system part of its address
         * ({@code kabuki://name@host:port}). The same setting as {@link #threadNamePrefix}.
         */
        public Builder name(String name) {
            return threadNamePrefix(name);
        }

        /**
         * Runs on every thread the system starts (workers, blocking threads, the timer, and
         * kabuki-net's selector threads, which run handlers while the workers are idle), on that
         * thread, before it does any work. Default: none. A hook that throws is logged.
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
         * Makes the system reachable from other systems (and able to reach theirs), started by
         * {@code provider} as the last step of {@link #build()}: with kabuki-remote on the class
         * path, {@code .remote(RemoteSettings.bind("127.0.0.1", 25520).allow(Msg.class))}. A
         * system built without it is local only: no remote thread, no socket, no file. Default:
         * none.
         */
        public Builder remote(Remoting.Provider provider) {
            this.remote = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Validates every setting, then starts the system (and, if {@link #remote} was given, its
         * remote side).
         *
         * @throws IllegalArgumentException a setting is invalid; the message names it
         * @throws RuntimeException         the remote side could not start (for example its port
         *                                  is taken); the system is shut down first
         */
        public ActorSystem build() {
            RuntimeContext.checkThreadNamePrefix(threadNamePrefix);
            if (throughput < 1 || throughput > 100_000) {
                throw new IllegalArgumentException("throughput must be between 1 and 100000, got " + throughput);
            }
            if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must be zero or more, got " + shutdownTimeout);
            }
            if (startPaused && flavor != Flavor.CURRENT_THREAD) {
                throw new IllegalStateException("startPaused(true) needs flavor(Flavor.CURRENT_THREAD): "
                        + "manual time is driven by the one thread of that flavour");
            }
            int workers = 0;
            if (flavor == Flavor.MULTI_THREAD) {
                WorkStealingDispatcher.Builder core = WorkStealingDispatcher.builder().busyWait(busyWait);
                if (workerThreads != null) {
                    core.workerThreads(workerThreads);
                }
                workers = core.validate(); // before any thread starts
            }
            ActorSystem system = new ActorSystem(this, workers);
            if (remote != null) {
                try {
                    Objects.requireNonNull(remote.start(system), "Remoting.Provider.start returned null");
                } catch (RuntimeException | Error e) {
                    system.shutdownNow();
                    throw e;
                }
            }
            return system;
        }
    }
}
