package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's {@link Timer}: a hashed timing wheel driven by one thread.
 *
 * <p>Time is cut into ticks (1 ms by default) counted from the wheel's creation. A timer due at
 * tick {@code d} is one small entry (a {@code TimerEntry}, 48 bytes) in bucket
 * {@code d & (wheelSize - 1)}; a pass of the timer thread over the buckets of the ticks that
 * have elapsed runs every entry whose deadline tick has come. A timer further away than one
 * rotation (4096 ticks by default) simply stays in its bucket, skipped by each pass, until a
 * pass reaches its deadline tick. With no timer pending the thread parks without a deadline;
 * otherwise it parks until the tick of the next non-empty bucket, found in a bitmap.
 *
 * <p><b>Where it differs from what you might assume:</b> actions run on the timer thread itself,
 * one after another, so an action must be short and must not block, or it delays every later
 * timer: the runtime's actions hand work to a dispatcher, and an action that completes a handle
 * hands the completion to the core dispatcher ({@link #handOff}), so user callbacks never run
 * on the timer thread. A delay is rounded up to whole ticks, and an action never runs before its delay has
 * elapsed, but it may run up to about a tick (plus scheduling latency) later. A cancelled timer
 * is unlinked on the timer thread's next pass, not by {@code cancel()} itself; while timers are
 * pending that pass comes within one rotation.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code incoming}: a Treiber stack of entries scheduled but not yet in a bucket, linked
 *       through the entries' {@code next}; {@code SHUT} once closed.</li>
 *   <li>{@code cancelledHead}: a Treiber stack of entries whose cancel() won after the timer
 *       thread had taken them in (see {@link TimerEntry}'s IN_WHEEL), linked through the
 *       entries' {@code nextCancelled}, for the timer thread to unlink. An entry cancelled while
 *       still in {@code incoming} is dropped when taken in, and never touches this stack.</li>
 *   <li>{@code buckets}: one doubly-linked list head per bucket; {@code occupied}: one bit per
 *       bucket, set iff the bucket is non-empty; {@code linked}: entries in all buckets;
 *       {@code processedTick}: every tick up to it has been processed.</li>
 *   <li>{@code plannedWake}: the tick the parked timer thread will wake at by itself;
 *       {@code NEVER} if it parks with no timer, {@code AWAKE} while it is running a pass.</li>
 *   <li>{@code closed}: OPEN, then CLOSED for good.</li>
 * </ul>
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>Any thread pushes onto {@code incoming} (schedule) and onto {@code cancelledHead}
 *       (cancel) by CAS. Only the wheel's owner takes them, whole, by get-and-set.</li>
 *   <li>The owner alone reads and writes {@code buckets}, {@code occupied}, {@code linked},
 *       {@code processedTick} and the entries' bucket links. The owner is the timer thread;
 *       after it has ended, the closer; in manual mode, the thread calling
 *       {@code advanceTo} (tests).</li>
 *   <li>{@code plannedWake}: written by the timer thread only; read by schedulers.</li>
 *   <li>{@code closed}: CAS OPEN to CLOSED by the first {@link #close()}.</li>
 *   <li>No shared counter: {@link #pendingCount()} adds up {@code linked}, the depth of the
 *       cancelled stack (each pushed entry carries it) and the pending entries in
 *       {@code incoming}. A counter written by every scheduler and canceller would be one cache
 *       line that every ask, on every thread, writes twice (its timeout scheduled, then
 *       cancelled).</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Every linked entry sits in bucket {@code deadline & mask} and has
 *       {@code deadline > processedTick}: an entry drained after its tick was processed gets
 *       {@code deadline = processedTick + 1}.</li>
 *   <li>Hence a pass over the ticks {@code processedTick + 1 .. now} (all buckets if a full
 *       rotation or more elapsed) meets every entry due by {@code now}.</li>
 *   <li>An entry leaves PENDING exactly once (see {@code TimerEntry}), so every action ends in
 *       exactly one of run, abandon, or cancelled by its owner.</li>
 *   <li>After {@code incoming} is swapped to {@code SHUT} no push succeeds; the closer abandons
 *       what it swapped out and what is in the buckets, so a schedule racing with close either
 *       throws (having abandoned its action) or leaves an entry the closer abandons.</li>
 * </ol>
 *
 * <h2>Memory ordering</h2>
 * <ol>
 *   <li>Publication: a scheduler's plain writes to its entry happen before its CAS of
 *       {@code incoming}; the timer thread's get-and-set of {@code incoming} reads them.</li>
 *   <li>No lost wake-up (a Dekker hand-shake, so both sides are volatile): a scheduler CASes
 *       {@code incoming}, then reads {@code plannedWake} and unparks the thread if its deadline
 *       is earlier. The timer thread stores {@code plannedWake}, then re-reads {@code incoming}
 *       and does not park if it is non-empty. At least one side sees the other.</li>
 *   <li>Close: the closer CASes {@code closed}, unparks and joins the thread; the join orders
 *       every write of the timer thread before the closer takes over the buckets.</li>
 * </ol>
 */
public final class TimingWheel extends CompletionHandOff {
    private static final Logger LOG = LoggerFactory.getLogger(TimingWheel.class);

    /** Default tick: 1 ms. */
    public static final Duration DEFAULT_TICK = Duration.ofMillis(1);
    /** Default number of buckets: 4096 (one rotation is 4.096 s at the default tick). */
    public static final int DEFAULT_WHEEL_SIZE = 4096;
    /**
     * Every this many entries waiting in the incoming stack (a power of two), the scheduler
     * wakes the timer thread to take them in and unlink cancelled ones, so cancelled timers
     * never pile up: the backlog stays below about this many entries.
     */
    static final int TIDY_EVERY = 4096;
    static final int MIN_WHEEL_SIZE = 64;
    static final int MAX_WHEEL_SIZE = 1 << 22;

    /** Longer delays are cut to this (about 73 years), so tick arithmetic never overflows. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;
    private static final long MAX_DELAY_SECONDS = MAX_DELAY_NANOS / 1_000_000_000L;
    /** {@code plannedWake} while the timer thread runs a pass: schedulers never unpark it. */
    private static final long AWAKE = Long.MIN_VALUE;
    /** {@code plannedWake} while parked with no timer: any schedule unparks it. */
    private static final long NEVER = Long.MAX_VALUE;
    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    /** Head of {@code incoming} once closed: pushes fail. */
    private static final TimerEntry SHUT = new TimerEntry(null, 0, null);

    private static final VarHandle INCOMING;
    private static final VarHandle CANCELLED_HEAD;
    private static final VarHandle PLANNED_WAKE;
    private static final VarHandle CLOSED_STATE;
    private static final VarHandle LINKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            INCOMING = l.findVarHandle(TimingWheel.class, "incoming", TimerEntry.class);
            CANCELLED_HEAD = l.findVarHandle(TimingWheel.class, "cancelledHead", TimerEntry.class);
            PLANNED_WAKE = l.findVarHandle(TimingWheel.class, "plannedWake", long.class);
            CLOSED_STATE = l.findVarHandle(TimingWheel.class, "closed", int.class);
            LINKED = l.findVarHandle(TimingWheel.class, "linked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---------------------------------------------------------------- configuration
    private final LongSupplier clock;
    private final long startNanos;
    private final long tickNanos;
    private final int mask;
    /** The timer thread; null in manual mode. */
    private final Thread thread;

    // ---------------------------------------------------------------- shared
    private volatile TimerEntry incoming;
    private volatile TimerEntry cancelledHead;
    private volatile long plannedWake = AWAKE;
    private volatile int closed = OPEN;
    /** Counted down once the timer has stopped and every pending action is abandoned. */
    private final CountDownLatch terminated = new CountDownLatch(1);

    // ---------------------------------------------------------------- owner only
    private final TimerEntry[] buckets;
    private final long[] occupied;
    private long processedTick;
    /** Entries in the buckets; written by the owner only (opaque, for {@link #pendingCount}). */
    private int linked;
    /** Set by close() called on the timer thread: the thread abandons what is left as it ends. */
    private boolean closedOnTimerThread;

    /**
     * Creates a wheel with the default tick (1 ms) and size (4096) and starts its thread, which
     * uses no CPU while no timer is due.
     *
     * @param threadFactory makes the one timer thread (called once, here)
     */
    public TimingWheel(ThreadFactory threadFactory) {
        this(threadFactory, DEFAULT_TICK, DEFAULT_WHEEL_SIZE);
    }

    /**
     * Creates a wheel and starts its thread.
     *
     * @param threadFactory makes the one timer thread (called once, here)
     * @param tick          the resolution: delays are rounded up to whole ticks; positive and
     *                      at most 1 h (default 1 ms)
     * @param wheelSize     buckets per rotation: a power of two from 64 to 2<sup>22</sup>
     *                      (default 4096); timers beyond one rotation cost one skip per pass
     *                      over their bucket
     * @throws IllegalArgumentException a bad tick or size, or the factory made no thread
     */
    public TimingWheel(ThreadFactory threadFactory, Duration tick, int wheelSize) {
        this(System::nanoTime, tickNanos(tick), wheelSize, Objects.requireNonNull(threadFactory,
                "threadFactory"));
    }

    /**
     * Creates a wheel in manual mode: no thread; time is {@code clock}, and the caller drives the
     * wheel with {@link #advanceTo(long)}.
     */
    TimingWheel(LongSupplier clock, long tickNanos, int wheelSize) {
        this(clock, tickNanos, wheelSize, null);
    }

    private TimingWheel(LongSupplier clock, long tickNanos, int wheelSize, ThreadFactory factory) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tick must be positive, was " + tickNanos + " ns");
        }
        if (wheelSize < MIN_WHEEL_SIZE || wheelSize > MAX_WHEEL_SIZE
                || Integer.bitCount(wheelSize) != 1) {
            throw new IllegalArgumentException(String.format(
                    "wheelSize must be a power of two from %d to %d, was %d",
                    MIN_WHEEL_SIZE, MAX_WHEEL_SIZE, wheelSize));
        }
        this.tickNanos = tickNanos;
        this.mask = wheelSize - 1;
        this.buckets = new TimerEntry[wheelSize];
        this.occupied = new long[wheelSize >>> 6];
        this.startNanos = clock.getAsLong();
        if (factory == null) {
            this.thread = null;
        } else {
            Thread t = factory.newThread(this::runTimerThread);
            if (t == null) {
                throw new IllegalArgumentException("thread factory returned no thread");
            }
            this.thread = t;
            t.start();
        }
    }

    private static long tickNanos(Duration tick) {
        Objects.requireNonNull(tick, "tick");
        if (tick.isNegative() || tick.isZero() || tick.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(
                    "tick must be positive and at most 1 h, was " + tick);
        }
        return tick.toNanos();
    }

    // ---------------------------------------------------------------- public API

    /**
     * Schedules {@code action} to run on the timer thread once {@code delay} has elapsed, rounded
     * up to the tick; zero or negative means the next tick. Delays beyond about 73 years are cut
     * to that.
     *
     * <p>Thread-safe and lock-free; never blocks. Allocates one small entry, which is also the
     * returned handle.
     *
     * @param delay  how long from now; zero or negative means the next tick
     * @param action what to run on the timer thread; it must be short and must not block
     * @return a handle whose {@link Cancellable#cancel()} is lock-free too
     * @throws RejectedExecutionException the timer is shut down; {@code action} has been
     *                                    abandoned with this exception first
     */
    @Override
    public Cancellable schedule(Duration delay, Task action) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(action, "action");
        if ((int) CLOSED_STATE.getVolatile(this) != OPEN) {
            throw reject(action);
        }
        final long deadline = Math.ceilDiv(clock.getAsLong() - startNanos + delayNanos(delay),
                tickNanos);
        final TimerEntry e = new TimerEntry(this, deadline, action);
        TimerEntry head;
        do {
            head = (TimerEntry) INCOMING.getVolatile(this);
            if (head == SHUT) {
                throw reject(action);
            }
            e.next = head; // published by the CAS below
            e.depth = head == null ? 1 : head.depth + 1;
        } while (!INCOMING.compareAndSet(this, head, e));
        // Dekker with runTimerThread: the CAS above, then this volatile read. Also wake it to
        // take in a long backlog: timers far in the future (ask timeouts) that are cancelled
        // soon after would otherwise pile up in the incoming and cancelled stacks until the
        // planned wake, seconds away: at a million asks a second, gigabytes.
        long planned = (long) PLANNED_WAKE.getVolatile(this);
        if (deadline < planned
                || ((e.depth & (TIDY_EVERY - 1)) == 0 && planned != AWAKE)) {
            LockSupport.unpark(thread);
        }
        return e;
    }

    /**
     * The wheel's clock: {@link System#nanoTime()} for a wheel with a thread, the injected clock
     * in manual mode. Thread-safe; never blocks.
     */
    @Override
    public long nanoTime() {
        return clock.getAsLong();
    }

    /**
     * How many timers are pending: scheduled, not yet fired, cancelled or abandoned. Approximate
     * while other threads schedule or cancel or the timer thread is taking entries in; exact
     * when they are quiet. Thread-safe; takes time proportional to the timers scheduled since the
     * timer thread last took them in (a few thousand at most while it keeps up), because it is
     * meant for metrics and tests: schedule and cancel keep no shared counter, so that the hot
     * path of an ask (a timeout scheduled and cancelled within microseconds) writes nothing
     * another thread writes.
     */
    public int pendingCount() {
        // Entries in buckets (the owner's count), less those cancelled there and waiting in the
        // hand-off stack, plus the still-pending entries not yet taken in. Each part is read
        // once; the sum is exact when nothing moves between the reads.
        long n = (int) LINKED.getOpaque(this);
        TimerEntry c = (TimerEntry) CANCELLED_HEAD.getVolatile(this);
        if (c != null) {
            n -= c.depth;
        }
        for (TimerEntry e = (TimerEntry) INCOMING.getVolatile(this); e != null && e != SHUT; e = e.next) {
            if (e.isPendingInIncoming()) {
                n++;
            }
        }
        return (int) Math.max(0, Math.min(n, Integer.MAX_VALUE));
    }

    /**
     * Shuts the timer down; same as {@link #shutdown()}, without the count.
     */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * Shuts the timer down: stops the timer thread, waits for it to end (so for the action it is
     * running, if any), then {@linkplain Task#abandon(Throwable) abandons} every pending action,
     * each once, with a {@link RejectedExecutionException} "timer is shut down". Later
     * {@link #schedule} calls abandon their action and throw.
     *
     * <p>Idempotent and thread-safe: only the first call abandons; a later call waits until the
     * first has finished (unless it runs on the timer thread) and returns 0. Called from an
     * action (on the timer thread), it cannot wait for its own thread: it returns 0 at once,
     * and the timer thread abandons what is left when that action returns.
     *
     * @return how many actions this call abandoned
     */
    public int shutdown() {
        final Thread t = thread;
        if (!CLOSED_STATE.compareAndSet(this, OPEN, CLOSED)) {
            if (t != null && Thread.currentThread() != t) {
                awaitUninterruptibly(terminated);
            }
            return 0;
        }
        if (t != null) {
            if (Thread.currentThread() == t) {
                closedOnTimerThread = true; // read by this same thread as its loop ends
                return 0;
            }
            LockSupport.unpark(t);
            joinUninterruptibly(t);
        }
        int n = abandonAll();
        terminated.countDown();
        return n;
    }

    // ---------------------------------------------------------------- manual mode

    /**
     * Manual mode only: takes in the scheduled and cancelled timers, then runs, on the calling
     * thread, every action due by {@code nowNanos} (a value of the wheel's clock). Does nothing
     * once closed. Must not be called concurrently with itself or with {@link #close()}.
     */
    void advanceTo(long nowNanos) {
        if (thread != null) {
            throw new IllegalStateException("this wheel is driven by its own thread");
        }
        if ((int) CLOSED_STATE.getVolatile(this) != OPEN) {
            return;
        }
        advance(tickOf(nowNanos));
    }

    /** Entries linked in buckets; owner only (tests in manual mode). */
    int linkedCount() {
        return linked;
    }

    /** Entries scheduled but not yet taken in by the timer thread (tests). */
    int incomingBacklog() {
        TimerEntry head = (TimerEntry) INCOMING.getVolatile(this);
        return head == null || head == SHUT ? 0 : head.depth;
    }

    /** The timer thread, or null in manual mode (tests). */
    Thread timerThread() {
        return thread;
    }

    // ---------------------------------------------------------------- cancellation hand-off

    /**
     * Called by {@link TimerEntry#cancel()} after it won: if the entry is already in a bucket,
     * hand it to the owner to unlink. One still in the incoming stack is dropped by
     * the owner when it takes it in (see {@link TimerEntry}).
     */
    void cancelled(TimerEntry e, boolean inWheel) {
        if (!inWheel || (int) CLOSED_STATE.getVolatile(this) != OPEN) {
            return; // nobody drains any more; the closer skips cancelled entries
        }
        TimerEntry head;
        do {
            head = (TimerEntry) CANCELLED_HEAD.getVolatile(this);
            e.nextCancelled = head;
            e.depth = head == null ? 1 : head.depth + 1; // read by pendingCount
        } while (!CANCELLED_HEAD.compareAndSet(this, head, e));
    }

    // ---------------------------------------------------------------- timer thread

    /**
     * The timer thread's loop.
     * <ol>
     *   <li>Run a pass up to the current tick.</li>
     *   <li>Compute the next wake from the occupied bitmap ({@code NEVER} with no timers) and
     *       store it in {@code plannedWake} (volatile).</li>
     *   <li>Re-read {@code incoming}: if a scheduler pushed meanwhile, go round again without
     *       parking (it may have seen {@code AWAKE} and not unparked us).</li>
     *   <li>Park until the planned wake, or indefinitely; a scheduler with an earlier deadline
     *       or the closer unparks us.</li>
     *   <li>Store {@code AWAKE} and go round until closed.</li>
     * </ol>
     */
    private void runTimerThread() {
        final LongSupplier clock = this.clock;
        try {
            while ((int) CLOSED_STATE.getVolatile(this) == OPEN) {
                advance(tickOf(clock.getAsLong()));
                final long wake = nextWakeTick();
                PLANNED_WAKE.setVolatile(this, wake);
                if (INCOMING.getVolatile(this) == null
                        && (int) CLOSED_STATE.getVolatile(this) == OPEN) {
                    Thread.interrupted(); // a stray interrupt must not turn parking into spinning
                    if (wake == NEVER) {
                        LockSupport.park(this);
                    } else {
                        long nanos = startNanos + wake * tickNanos - clock.getAsLong();
                        if (nanos > 0) {
                            LockSupport.parkNanos(this, nanos);
                        }
                    }
                }
                PLANNED_WAKE.setVolatile(this, AWAKE);
            }
        } catch (Throwable t) {
            LOG.error("timer thread failed; pending timers will be abandoned on close", t);
            throw t;
        } finally {
            if (closedOnTimerThread) {
                int n = abandonAll();
                LOG.debug("timer closed from one of its actions; abandoned {} timers", n);
                terminated.countDown();
            }
        }
    }

    /** One pass: take in cancelled and new entries, then expire the ticks up to {@code nowTick}. */
    private void advance(long nowTick) {
        drainCancelled();
        drainIncoming();
        final long from = processedTick;
        if (nowTick <= from) {
            return;
        }
        final long span = Math.min(nowTick - from, (long) mask + 1);
        final long[] occupied = this.occupied;
        for (long tick = from + 1, end = from + span; tick <= end; tick++) {
            int idx = (int) tick & mask;
            if ((occupied[idx >>> 6] & (1L << idx)) != 0) {
                expireBucket(idx, nowTick);
            }
        }
        processedTick = nowTick;
    }

    private void expireBucket(int idx, long nowTick) {
        TimerEntry e = buckets[idx];
        while (e != null) {
            final TimerEntry next = e.next;
            if (e.deadline <= nowTick) {
                unlink(e, idx);
                Task action = e.claim();
                if (action != null) {
                    runAction(action);
                }
            } else if (e.isCancelled()) {
                unlink(e, idx); // its hand-off is still in the cancelled stack: tidy it now
            }
            e = next;
        }
    }

    private static void runAction(Task action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.error("timer action {} threw; the timer goes on", action, t);
        }
    }

    private void drainCancelled() {
        if (CANCELLED_HEAD.getVolatile(this) == null) {
            return;
        }
        TimerEntry e = (TimerEntry) CANCELLED_HEAD.getAndSet(this, null);
        while (e != null) {
            final TimerEntry next = e.nextCancelled;
            e.nextCancelled = null;
            int idx = (int) e.deadline & mask;
            if (e.prev != null || buckets[idx] == e) { // linked; else still in incoming, or done
                unlink(e, idx);
            }
            e = next;
        }
    }

    private void drainIncoming() {
        TimerEntry head = (TimerEntry) INCOMING.getVolatile(this);
        if (head == null || head == SHUT) {
            return;
        }
        TimerEntry e = (TimerEntry) INCOMING.getAndSet(this, null);
        final long processed = processedTick;
        while (e != null) {
            final TimerEntry next = e.next;
            e.next = null;
            if (e.takeIn()) {
                if (e.deadline <= processed) {
                    e.deadline = processed + 1; // overdue: the next tick (invariant 1)
                }
                link(e);
            }
            e = next;
        }
    }

    private void link(TimerEntry e) {
        final int idx = (int) e.deadline & mask;
        final TimerEntry head = buckets[idx];
        e.prev = null;
        e.next = head;
        if (head != null) {
            head.prev = e;
        } else {
            occupied[idx >>> 6] |= 1L << idx;
        }
        buckets[idx] = e;
        LINKED.setOpaque(this, linked + 1); // owner-only writer; opaque for pendingCount
    }

    private void unlink(TimerEntry e, int idx) {
        final TimerEntry prev = e.prev;
        final TimerEntry next = e.next;
        if (prev != null) {
            prev.next = next;
        } else {
            buckets[idx] = next;
            if (next == null) {
                occupied[idx >>> 6] &= ~(1L << idx);
            }
        }
        if (next != null) {
            next.prev = prev;
        }
        e.prev = null;
        e.next = null;
        LINKED.setOpaque(this, linked - 1); // as in link
    }

    /**
     * The tick of the next non-empty bucket after {@code processedTick}, or {@code NEVER}. The
     * bucket may hold only timers of later rotations: then the pass finds nothing due and the
     * thread parks again, at most once per bucket per rotation.
     */
    private long nextWakeTick() {
        if (linked == 0) {
            return NEVER;
        }
        final long[] occupied = this.occupied;
        final long base = processedTick + 1;
        final int start = (int) base & mask;
        final int word = start >>> 6;
        long bits = occupied[word] & (-1L << start); // shift distance is start & 63
        if (bits != 0) {
            return base + (((word << 6) + Long.numberOfTrailingZeros(bits)) - start);
        }
        final int words = occupied.length;
        for (int i = 1; i <= words; i++) {
            final int w = (word + i) & (words - 1);
            bits = occupied[w];
            if (w == word) {
                bits &= ~(-1L << start); // back at the first word: the buckets before start
            }
            if (bits != 0) {
                int idx = (w << 6) + Long.numberOfTrailingZeros(bits);
                return base + ((idx - start) & mask);
            }
        }
        throw new AssertionError("linked = " + linked + " but no bucket is occupied");
    }

    // ---------------------------------------------------------------- shutdown

    /** Owner only, once: abandons every pending entry, in the incoming stack and the buckets. */
    private int abandonAll() {
        int n = 0;
        TimerEntry e = (TimerEntry) INCOMING.getAndSet(this, SHUT);
        while (e != null) {
            final TimerEntry next = e.next;
            e.next = null;
            n += abandon(e);
            e = next;
        }
        CANCELLED_HEAD.setVolatile(this, null);
        final TimerEntry[] buckets = this.buckets;
        for (int idx = 0; idx < buckets.length; idx++) {
            e = buckets[idx];
            buckets[idx] = null;
            while (e != null) {
                final TimerEntry next = e.next;
                e.prev = null;
                e.next = null;
                n += abandon(e);
                e = next;
            }
        }
        Arrays.fill(occupied, 0L);
        LINKED.setOpaque(this, 0);
        return n;
    }

    private int abandon(TimerEntry e) {
        Task action = e.claim();
        if (action == null) {
            return 0; // cancelled by its owner
        }
        abandonQuietly(action, new RejectedExecutionException("timer is shut down"));
        return 1;
    }

    private static RejectedExecutionException reject(Task action) {
        RejectedExecutionException ex = new RejectedExecutionException("timer is shut down");
        abandonQuietly(action, ex);
        return ex;
    }

    private static void abandonQuietly(Task action, Throwable reason) {
        try {
            action.abandon(reason);
        } catch (Throwable t) {
            LOG.error("timer action {} threw from abandon", action, t);
        }
    }

    // ---------------------------------------------------------------- arithmetic

    private long tickOf(long nanos) {
        return Math.floorDiv(nanos - startNanos, tickNanos);
    }

    /** {@code delay} in nanoseconds, clamped to {@code [0, MAX_DELAY_NANOS]}, without throwing. */
    private static long delayNanos(Duration delay) {
        long seconds = delay.getSeconds();
        if (seconds < 0) {
            return 0;
        }
        if (seconds >= MAX_DELAY_SECONDS) {
            return MAX_DELAY_NANOS;
        }
        return seconds * 1_000_000_000L + delay.getNano();
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
