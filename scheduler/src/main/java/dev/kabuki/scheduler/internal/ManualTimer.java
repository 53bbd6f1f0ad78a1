package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Timer} on a manual clock, for tests (Tokio's paused clock, Akka's
 * {@code ManualTime}): no thread, and time stands still until {@link #advance(Duration)} moves
 * it. An advance steps through the pending deadlines in order and fires, on the calling thread,
 * every action due by the new time; each action sees {@link #nanoTime()} equal to its own
 * deadline, and an action that schedules another timer due within the advanced span sees it
 * fire in the same advance, at its own deadline.
 *
 * <p>To run what the fired actions hand to a current-thread dispatcher (the delayed task, the
 * timed-out handle's callbacks, the message a keyed timer sends) after every step, advance
 * through {@link CurrentThreadDispatcher#advance(Duration)} instead: that is what makes
 * "advance, and everything that falls due has run" hold.
 *
 * <p><b>Where it differs from {@link TimingWheel}:</b>
 * <ul>
 *   <li>Deadlines are exact: no ticks, no rounding. An action scheduled with delay {@code d}
 *       at manual time {@code t} fires when the clock reaches {@code t + d}, and sees exactly
 *       that time.</li>
 *   <li>A zero or negative delay means <em>due now</em>, not "the next tick": it fires at the
 *       next step, which is the next {@link #advance} (also {@code advance(Duration.ZERO)}), or,
 *       on a current-thread dispatcher built on this timer, its next
 *       {@link CurrentThreadDispatcher#runUntilIdle() runUntilIdle}, {@code advance}, or join
 *       on the driver that runs out of ready tasks.</li>
 *   <li>Timers due at the same instant fire in the order they were scheduled.</li>
 *   <li>Scheduling and cancelling take a short lock (held for a tree insert or removal, never
 *       while an action runs). It is a test timer: no hot path runs on it.</li>
 * </ul>
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code pending}: the entries not yet fired, cancelled or abandoned, ordered by
 *       (deadline, sequence number); {@code nextSeq}: the next sequence number;
 *       {@code closed}. All three guarded by {@code lock}.</li>
 *   <li>{@code now}: the manual time; starts at the value given to the constructor (0 by
 *       default) and never decreases.</li>
 *   <li>{@code stepper}: the thread running a step now (firing actions), or null.</li>
 *   <li>An entry's {@code task}: its action while pending; null once it has left
 *       {@code pending} (fired, cancelled or abandoned). Guarded by {@code lock}.</li>
 * </ul>
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>Any thread schedules and cancels (under {@code lock}).</li>
 *   <li>Only the stepping thread (the one that won the CAS of {@code stepper}) writes
 *       {@code now}, under {@code lock}; any thread reads it.</li>
 *   <li>{@link #shutdown()}: sets {@code closed} and empties {@code pending} under
 *       {@code lock}.</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>An entry leaves {@code pending} exactly once, under {@code lock}, and whoever removes
 *       it takes its action: so every action ends in exactly one of run (by a step), abandon
 *       (by shutdown, or by a schedule that found the timer closed) or neither (cancelled).</li>
 *   <li>{@code now} never decreases, and a step never fires an entry whose deadline is after
 *       {@code now}; when a step fires an entry, {@code now} equals that entry's deadline or the
 *       entry was due already when the step began (a zero delay, or a deadline passed by an
 *       earlier step's time).</li>
 *   <li>At most one thread steps at a time; an action cannot step re-entrantly.</li>
 * </ol>
 *
 * <h2>Memory ordering</h2>
 * Entries and their fields are published and read under {@code lock} (a monitor: every write
 * before an unlock happens before every read after the next lock). {@code now} is volatile so
 * that {@link #nanoTime()} needs no lock: a thread that reads a time also sees every write the
 * stepper made before storing it, in particular the actions fired before it. {@code stepper} is
 * claimed and released with volatile CAS and store.
 */
public final class ManualTimer extends CompletionHandOff {
    private static final Logger LOG = LoggerFactory.getLogger(ManualTimer.class);

    /** Longer delays are cut to this (about 73 years), so deadlines never overflow. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE / 4;
    private static final long MAX_DELAY_SECONDS = MAX_DELAY_NANOS / 1_000_000_000L;

    /** Deadline first; among equal deadlines, the order of scheduling. */
    private static final Comparator<Entry> ORDER = Comparator
            .comparingLong((Entry e) -> e.deadline)
            .thenComparingLong(e -> e.seq);

    private static final VarHandle STEPPER;

    static {
        try {
            STEPPER = MethodHandles.lookup().findVarHandle(ManualTimer.class, "stepper", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object lock = new Object();
    /** Guarded by {@code lock}. */
    private final TreeSet<Entry> pending = new TreeSet<>(ORDER);
    /** Guarded by {@code lock}. */
    private long nextSeq;
    /** Guarded by {@code lock}. */
    private boolean closed;
    /** The manual time; written by the stepper under {@code lock}, read by anyone. */
    private volatile long now;
    @SuppressWarnings("unused") // accessed through STEPPER
    private volatile Thread stepper;
    /** Run after scheduling an entry that is due at once (see {@link #wakeWhenDueNow}). */
    private volatile Runnable dueNowListener;

    /** A timer whose clock starts at 0. */
    public ManualTimer() {
        this(0L);
    }

    /**
     * A timer whose clock starts at {@code startNanos}.
     *
     * @param startNanos the first value of {@link #nanoTime()}; any value (only differences
     *                   mean anything), but keep it below {@code Long.MAX_VALUE / 2} so that
     *                   the far deadlines of long delays do not overflow
     */
    public ManualTimer(long startNanos) {
        this.now = startNanos;
    }

    // ---------------------------------------------------------------- Timer

    /**
     * Schedules {@code action} to run once the manual clock has moved on by {@code delay}; zero
     * or negative means due now (it fires at the next step, see the class comment). Delays
     * beyond about 73 years are cut to that.
     *
     * <p>Thread-safe; takes the timer's lock briefly. Never runs the action on the calling
     * thread.
     *
     * @throws RejectedExecutionException the timer is shut down; {@code action} has been
     *                                    abandoned with this exception first
     */
    @Override
    public Cancellable schedule(Duration delay, Task action) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(action, "action");
        final long nanos = delayNanos(delay);
        final Entry e;
        synchronized (lock) {
            if (closed) {
                e = null;
            } else {
                final long t = now;
                e = new Entry(this, t + nanos < t ? Long.MAX_VALUE : t + nanos, nextSeq++, action);
                pending.add(e);
            }
        }
        if (e == null) {
            RejectedExecutionException ex = new RejectedExecutionException("timer is shut down");
            abandonQuietly(action, ex);
            throw ex;
        }
        if (nanos == 0) {
            Runnable wake = dueNowListener;
            if (wake != null) {
                wake.run();
            }
        }
        return e;
    }

    /** The manual time. Thread-safe, lock-free; never blocks. */
    @Override
    public long nanoTime() {
        return now;
    }

    // ---------------------------------------------------------------- manual time

    /**
     * Moves the clock forward by {@code by} and fires, on the calling thread, every action due
     * by the new time: in deadline order (equal deadlines in the order they were scheduled),
     * with the clock set to each action's deadline while it runs, including actions scheduled
     * by earlier ones that fall due within the span. {@code advance(Duration.ZERO)} fires what
     * is due now. After it returns, {@link #nanoTime()} is the old time plus {@code by}
     * (saturating).
     *
     * <p>This fires the timer actions only; what they hand to a dispatcher runs when that
     * dispatcher runs it. On a current-thread dispatcher, use
     * {@link CurrentThreadDispatcher#advance(Duration)}, which runs it after every step.
     *
     * <p>Blocks only while the actions run (they must be short). Does nothing but move the
     * clock once the timer is shut down.
     *
     * @return how many actions fired
     * @throws IllegalArgumentException {@code by} is negative
     * @throws IllegalStateException    another thread is advancing this timer now, or this is
     *                                  called from one of its own actions
     */
    public int advance(Duration by) {
        final long target = targetAfter(by);
        int fired = 0;
        int n;
        while ((n = step(target, true)) >= 0) {
            fired += n;
        }
        return fired;
    }

    /**
     * The earliest pending deadline, as a value of {@link #nanoTime()}, or
     * {@link Long#MAX_VALUE} if no timer is pending (a testkit that advances "to the next
     * timer" uses it). Thread-safe; takes the lock briefly.
     */
    public long nextDeadline() {
        synchronized (lock) {
            return pending.isEmpty() ? Long.MAX_VALUE : pending.first().deadline;
        }
    }

    /**
     * How many timers are pending: scheduled and not yet fired, cancelled or abandoned.
     * Thread-safe; exact.
     */
    public int pendingCount() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /** The clock after advancing by {@code by} from now, saturating. */
    long targetAfter(Duration by) {
        Objects.requireNonNull(by, "by");
        if (by.isNegative()) {
            throw new IllegalArgumentException("cannot advance by a negative duration, got " + by);
        }
        long from = now;
        long nanos = delayNanos(by);
        return from + nanos < from ? Long.MAX_VALUE : from + nanos;
    }

    /**
     * One step towards {@code limit}: if the earliest pending deadline is at or before
     * {@code limit}, moves the clock to it (never back) and fires every entry due by then that
     * was pending when the step began, in order; otherwise moves the clock to {@code limit}
     * (never back).
     *
     * <ol>
     *   <li>Claim {@code stepper} by CAS (or fail, see {@code strict}).</li>
     *   <li>Under the lock: take the earliest entry; if it is after {@code limit}, move the
     *       clock to {@code limit}, release and return -1. Else move the clock to its deadline
     *       and note the sequence number bound: entries scheduled from here on (by the actions
     *       of this step) wait for the next step, so a step always ends.</li>
     *   <li>Repeatedly, under the lock, remove the earliest entry if it is due and below the
     *       bound and take its action; run it outside the lock.</li>
     *   <li>Release {@code stepper}.</li>
     * </ol>
     *
     * @param strict true: a step already running on this or another thread is an
     *               {@link IllegalStateException}; false: return -1 instead
     * @return how many actions fired (0 if all due entries were cancelled meanwhile), or -1 if
     *         nothing was due by {@code limit}
     */
    int step(long limit, boolean strict) {
        final Thread me = Thread.currentThread();
        if (!STEPPER.compareAndSet(this, null, me)) {
            if (!strict) {
                return -1;
            }
            Thread other = (Thread) STEPPER.getVolatile(this);
            throw new IllegalStateException(other == me
                    ? "a manual timer cannot be advanced from one of its own actions"
                    : "manual timer is being advanced by thread '"
                            + (other == null ? "?" : other.getName())
                            + "'; advance it from one thread at a time");
        }
        try {
            final long bound;
            final long at;
            synchronized (lock) {
                Entry first = pending.isEmpty() ? null : pending.first();
                if (first == null || first.deadline > limit) {
                    if (limit > now) {
                        now = limit;
                    }
                    return -1;
                }
                if (first.deadline > now) {
                    now = first.deadline;
                }
                at = now;
                bound = nextSeq;
            }
            int fired = 0;
            for (;;) {
                Task action;
                synchronized (lock) {
                    Entry e = pending.isEmpty() ? null : pending.first();
                    // An entry scheduled by this step's actions has a deadline of at least
                    // `at` (the clock stands at `at`) and a sequence number of at least
                    // `bound`, so it sorts after every older entry due by `at`: meeting one
                    // means the older ones are all taken. It waits for the next step.
                    if (e == null || e.deadline > at || e.seq >= bound) {
                        break;
                    }
                    pending.remove(e);
                    action = e.task;
                    e.task = null;
                }
                fired++;
                runAction(action);
            }
            return fired;
        } finally {
            STEPPER.setVolatile(this, null);
        }
    }

    /**
     * Registers what to run (on the scheduling thread) after an entry that is due at once is
     * scheduled: a current-thread dispatcher wakes its driver, so that a driver parked in a join
     * fires it. Thread-safe.
     */
    void wakeWhenDueNow(Runnable listener) {
        this.dueNowListener = listener;
    }

    private static void runAction(Task action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.error("timer action {} threw; the timer goes on", action, t);
        }
    }

    // ---------------------------------------------------------------- shutdown

    /** Same as {@link #shutdown()}, without the count. */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * Shuts the timer down: {@linkplain Task#abandon(Throwable) abandons} every pending action,
     * each once, with a {@link RejectedExecutionException} "timer is shut down"; later
     * {@link #schedule} calls abandon their action and throw. Idempotent and thread-safe; the
     * abandons run on the calling thread, outside the lock.
     *
     * @return how many actions this call abandoned
     */
    public int shutdown() {
        List<Task> left = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return 0;
            }
            closed = true;
            for (Entry e : pending) {
                left.add(e.task);
                e.task = null;
            }
            pending.clear();
        }
        for (Task t : left) {
            abandonQuietly(t, new RejectedExecutionException("timer is shut down"));
        }
        return left.size();
    }

    private static void abandonQuietly(Task action, Throwable reason) {
        try {
            action.abandon(reason);
        } catch (Throwable t) {
            LOG.error("timer action {} threw from abandon", action, t);
        }
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

    @Override
    public String toString() {
        return "ManualTimer[now=" + now + " ns, pending=" + pendingCount() + "]";
    }

    /** One pending timer, and the handle that cancels it. */
    private static final class Entry implements Cancellable {
        private final ManualTimer timer;
        final long deadline;
        final long seq;
        /** The action while pending; null once it left {@code pending}. Guarded by the lock. */
        Task task;

        Entry(ManualTimer timer, long deadline, long seq, Task task) {
            this.timer = timer;
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        /**
         * Cancels the timer if it is still pending: its action will neither run nor be
         * abandoned. Thread-safe; takes the timer's lock briefly.
         *
         * @return {@code true} for the one call that removed the entry
         */
        @Override
        public boolean cancel() {
            synchronized (timer.lock) {
                if (task == null) {
                    return false;
                }
                task = null;
                timer.pending.remove(this);
                return true;
            }
        }

        @Override
        public String toString() {
            return "ManualTimer.Entry[deadline=" + deadline + ", seq=" + seq + "]";
        }
    }
}
