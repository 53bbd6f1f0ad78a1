package dev.kabuki.testkit;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorFactory;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.DeadLetter;
import dev.kabuki.actors.ShutdownReport;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * An actor system for one test, with {@linkplain TestProbe probes}, manual time and a record of
 * every exception its actors threw.
 *
 * <pre>{@code
 * try (ActorTestKit kit = ActorTestKit.create()) {
 *     ActorRef<CounterMsg> counter = kit.spawn("counter", Counter::new);
 *     TestProbe<Integer> probe = kit.createProbe();
 *     counter.tell(new Increment(5));
 *     counter.tell(new Get(probe.ref()));
 *     assertEquals(5, probe.expectMessage(Duration.ofSeconds(1)));
 * }
 * }</pre>
 *
 * <h2>Two kinds of kit</h2>
 * <ul>
 *   <li>{@link #create()}: a paused current-thread system (Tokio's {@code start_paused}, Akka's
 *       {@code ManualTime}). Every core actor runs on the test's own thread, when the kit runs
 *       the system: in {@link #runUntilIdle()}, {@link #advance(Duration)} and every
 *       {@code expect...} of a probe. The clock stands still until the test moves it, and
 *       every timer (ask timeouts, timers to self, receive timeouts, supervision back-off,
 *       scheduled tasks) follows it: {@code advance(Duration.ofHours(1))} fires an hour of
 *       timers at once, in deadline order, with no real sleeping.</li>
 *   <li>{@link #createRealTime()}: a multi-thread system on real time, for tests that need
 *       parallelism or real waiting (load, actors that block for real).</li>
 * </ul>
 *
 * <h2>What moves the clock</h2>
 * On a paused kit only {@link #advance(Duration)} and {@link TestProbe#expectNoMessage(Duration)}
 * move it. Waiting for a message never does: {@code expectMessage} runs what is ready now and
 * waits, in real time, for work on other threads. <b>Actors tagged blocking (and
 * {@code spawnBlocking} tasks) run on real threads in real time even on a paused kit</b>: their
 * timers follow the manual clock, their own work does not; a probe waiting for their reply
 * keeps running the system on the test's thread while it waits.
 *
 * <h2>Failures</h2>
 * The kit records every exception an actor throws while processing a message (any actor of its
 * system, children included: the runtime reports these as dead letters) and every exception
 * from a lifecycle hook ({@code onStart}, {@code onRestart}, {@code onStop}...) of the actors
 * spawned with {@link #spawn}. An exception from a hook of an actor spawned some other way (a
 * child spawned with {@code ctx.spawn}) is only logged by the runtime, and is not recorded.
 * {@link #failures()} returns them; {@link ActorTestKitExtension} fails a test that leaves any
 * unless it took them with {@link #expectFailures(int)} or {@link #clearFailures()}.
 *
 * <h2>Thread safety</h2>
 * A kit and its probes are for the one thread that runs the test: call them from it, not from
 * an actor. (The actors themselves may send to a probe from any thread.)
 */
public final class ActorTestKit implements AutoCloseable {
    private static final AtomicInteger KITS = new AtomicInteger();
    private static final String FAILED_PROCESSING = "the actor failed processing it";
    /** How long a probe waits when no timeout is given. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private final ActorSystem system;
    private final String prefix;
    private final AtomicInteger probes = new AtomicInteger();
    private final List<ActorFailure> failures = new CopyOnWriteArrayList<>();
    private final AutoCloseable deadLetterSubscription;
    /** Guards {@link #waker}; {@link #changed} is signalled on every probe event and failure. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** On a paused kit: the promise the test thread waits on inside blockOn; null when none. */
    private Promise<Void> waker;
    private volatile ShutdownReport shutdownReport;

    private ActorTestKit(boolean paused) {
        this.prefix = "testkit-" + KITS.incrementAndGet();
        ActorSystem.Builder b = ActorSystem.builder().threadNamePrefix(prefix);
        if (paused) {
            b.flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true);
        }
        this.system = b.build();
        this.deadLetterSubscription = system.deadLetters().subscribe(this::onDeadLetter);
    }

    /**
     * A kit on a paused current-thread system: the test's thread runs the actors and the clock
     * moves only with {@link #advance(Duration)} (see the class comment). Its threads are named
     * {@code testkit-N-...}.
     */
    public static ActorTestKit create() {
        return new ActorTestKit(true);
    }

    /**
     * A kit on a multi-thread system on real time (the default {@link ActorSystem} builder,
     * threads named {@code testkit-N-...}): for tests of blocking actors, parallelism and load.
     * {@link #advance} is not available on it.
     */
    public static ActorTestKit createRealTime() {
        return new ActorTestKit(false);
    }

    /** The kit's actor system. */
    public ActorSystem system() {
        return system;
    }

    /** Whether the kit runs on manual time ({@link #create()}). */
    public boolean isPaused() {
        return system.isPaused();
    }

    /** The prefix of the names of the kit's threads and of its system, {@code testkit-N}. */
    public String name() {
        return prefix;
    }

    // ------------------------------------------------------------------ spawning

    /**
     * Spawns a top-level actor, {@code /user/<name>}, whose lifecycle-hook failures the kit
     * records (see the class comment); otherwise {@link ActorSystem#spawnActor(String, Supplier)}.
     * Never blocks; on a paused kit the actor starts when the kit next runs the system.
     */
    public <M> ActorRef<M> spawn(String name, Supplier<? extends Actor<M>> factory) {
        return spawn(name, factory, ActorOptions.defaults());
    }

    /** {@link #spawn(String, Supplier)} with options (mailbox, dispatcher, supervision). */
    public <M> ActorRef<M> spawn(String name, Supplier<? extends Actor<M>> factory, ActorOptions options) {
        Objects.requireNonNull(factory, "factory");
        return spawn(name, ctx -> factory.get(), options);
    }

    /** {@link #spawn(String, Supplier)} for a factory given the actor's own context. */
    public <M> ActorRef<M> spawn(String name, ActorFactory<M> factory) {
        return spawn(name, factory, ActorOptions.defaults());
    }

    /** {@link #spawn(String, ActorFactory)} with options. */
    public <M> ActorRef<M> spawn(String name, ActorFactory<M> factory, ActorOptions options) {
        Objects.requireNonNull(factory, "factory");
        return system.spawnActor(name, FailureRecordingActor.wrap(factory, this::recordFailure), options);
    }

    /**
     * A probe named {@code probe-N} ({@code /user/probe-N}) with the default timeout of 3 s.
     * The message type is inferred: {@code TestProbe<String> probe = kit.createProbe();}.
     */
    public <M> TestProbe<M> createProbe() {
        return createProbe("probe-" + probes.incrementAndGet());
    }

    /**
     * A probe with its actor at {@code /user/<name>}.
     *
     * @throws IllegalArgumentException the name is taken or invalid
     */
    public <M> TestProbe<M> createProbe(String name) {
        return new TestProbe<>(this, name);
    }

    // ------------------------------------------------------------------ time

    /**
     * Moves the manual clock forward by {@code by} and runs, on the calling thread, every timer
     * and message that falls due, in deadline order ({@link ActorSystem#advanceTime}). Takes as
     * long as the work it runs, not {@code by}.
     *
     * @throws IllegalStateException    the kit runs on real time ({@link #createRealTime()}), or
     *                                  is closed
     * @throws IllegalArgumentException {@code by} is negative
     */
    public void advance(Duration by) {
        Objects.requireNonNull(by, "by");
        if (!isPaused()) {
            throw new IllegalStateException("advance(" + by + ") needs a kit on manual time: this kit ("
                    + prefix + ") runs on real time; make it with ActorTestKit.create(), not createRealTime()");
        }
        system.advanceTime(by);
    }

    /**
     * On a paused kit: runs, on the calling thread, every message and task that is ready and the
     * timers due at the current time, until none is left, without moving the clock. On a
     * real-time kit it does nothing (the system's own threads run the work).
     *
     * @throws IllegalStateException the kit is closed
     */
    public void runUntilIdle() {
        if (isPaused()) {
            system.runUntilIdle();
        } else if (system.isShutdown()) {
            throw new IllegalStateException("the test kit " + prefix + " is closed");
        }
    }

    // ------------------------------------------------------------------ failures

    /** The failures recorded and not yet taken (oldest first); a copy. Never blocks. */
    public List<ActorFailure> failures() {
        return List.copyOf(failures);
    }

    /** Forgets the failures recorded so far (for a test that provokes them on purpose). */
    public void clearFailures() {
        failures.clear();
    }

    /**
     * Asserts that exactly {@code n} failures are recorded, waiting up to 3 s of real time for
     * them to be (running a paused kit's ready work meanwhile; the clock does not move), and
     * takes them: they no longer count for {@link ActorTestKitExtension}'s check.
     *
     * @return the failures taken, oldest first
     * @throws AssertionError fewer arrived within 3 s, or more are recorded; the message lists
     *                        them
     */
    public List<ActorFailure> expectFailures(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        await(() -> failures.size() >= n, System.nanoTime() + DEFAULT_TIMEOUT.toNanos());
        List<ActorFailure> got = failures();
        if (got.size() != n) {
            throw new AssertionError("expected " + n + " actor failure(s) within "
                    + TestProbe.format(DEFAULT_TIMEOUT) + ", got " + got.size() + ": " + got);
        }
        failures.removeAll(got);
        return got;
    }

    private void onDeadLetter(DeadLetter letter) {
        String reason = letter.reason();
        if (reason != null && reason.startsWith(FAILED_PROCESSING)) {
            int colon = reason.indexOf(": ");
            String cause = colon < 0 ? reason : reason.substring(colon + 2);
            recordFailure(new ActorFailure(letter.recipient(), "receive", letter.message(), cause));
        }
    }

    private void recordFailure(ActorFailure failure) {
        failures.add(failure);
        signal();
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Wakes the test thread if it waits in {@link #await}: called on every probe event and every
     * failure, on whichever thread produced it.
     */
    void signal() {
        Promise<Void> w;
        lock.lock();
        try {
            w = waker;
            waker = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (w != null) {
            w.complete(null); // outside the lock: it may run the driver's wake-up callback
        }
    }

    /**
     * Waits until {@code condition} holds or the real-time {@code deadline}
     * ({@link System#nanoTime()}) passes; the test thread only.
     *
     * <p>Paused kit: runs the ready work, checks, and otherwise waits inside
     * {@code blockOn} on a promise that {@link #signal} completes, so that what blocking
     * threads send to the system runs on this thread as it arrives. The promise is registered
     * before the check, so a signal between the check and the wait is not lost. The clock does
     * not move.
     *
     * <p>Real-time kit: waits on {@link #changed}, checking under the lock that signal takes.
     *
     * @return whether the condition held in time
     */
    boolean await(BooleanSupplier condition, long deadline) {
        if (isPaused()) {
            while (true) {
                Promise<Void> wake = system.promise();
                lock.lock();
                try {
                    waker = wake;
                } finally {
                    lock.unlock();
                }
                system.runUntilIdle();
                if (condition.getAsBoolean()) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                system.blockOn(() -> {
                    try {
                        wake.join(Duration.ofNanos(remaining));
                    } catch (JoinTimeoutException timedOut) {
                        // checked again at the top of the loop
                    }
                    return null;
                });
            }
        }
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ closing

    /**
     * Shuts the system down (every actor's {@code onStop} runs; on a paused kit, on this
     * thread) within 10 s, and keeps the report ({@link #shutdownReport()}). Idempotent. Blocks
     * until the shutdown is over.
     */
    @Override
    public void close() {
        if (shutdownReport != null) {
            return;
        }
        ShutdownReport report = system.shutdown(Duration.ofSeconds(10));
        try {
            deadLetterSubscription.close(); // after the shutdown: failures while stopping count too
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        shutdownReport = report;
    }

    /** The report of {@link #close()}, or null before it. */
    public ShutdownReport shutdownReport() {
        return shutdownReport;
    }

    /**
     * What is wrong after {@link #close()}: failures not taken, an unclean shutdown report, and
     * threads named after the kit still alive when {@code threadGrace} (real time) has passed.
     * Empty when all is well. For {@link ActorTestKitExtension}.
     */
    List<String> problemsAfterClose(Duration threadGrace) {
        List<String> problems = new ArrayList<>();
        List<ActorFailure> left = failures();
        if (!left.isEmpty()) {
            problems.add(left.size() + " actor failure(s) recorded (take expected ones with"
                    + " kit.expectFailures(n) or kit.clearFailures()): " + left);
        }
        ShutdownReport report = shutdownReport;
        if (report == null) {
            problems.add("the kit was not closed");
        } else if (!report.clean()) {
            problems.add("the shutdown was not clean: " + report);
        }
        List<String> threads = liveThreads(System.nanoTime() + threadGrace.toNanos());
        if (!threads.isEmpty()) {
            problems.add(threads.size() + " thread(s) of the kit still alive " + TestProbe.format(threadGrace)
                    + " after close: " + threads);
        }
        return problems;
    }

    /**
     * Names of this kit's threads still alive at {@code deadline}: waits for each (with
     * {@link Thread#join}) until it ends or the deadline passes, then looks again for threads
     * started meanwhile.
     */
    private List<String> liveThreads(long deadline) {
        String start = prefix + "-";
        while (true) {
            List<Thread> alive = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.isAlive() && t.getName().startsWith(start) && t != Thread.currentThread()) {
                    alive.add(t);
                }
            }
            long remaining = deadline - System.nanoTime();
            if (alive.isEmpty() || remaining <= 0) {
                return alive.stream().map(Thread::getName).sorted().toList();
            }
            try {
                alive.get(0).join(Duration.ofNanos(remaining));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return alive.stream().map(Thread::getName).sorted().toList();
            }
        }
    }

    @Override
    public String toString() {
        return "ActorTestKit(" + prefix + (isPaused() ? ", paused" : ", real time") + ")";
    }

}
