package dev.kabuki.actors;

import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The timeouts of the asks one thread sends from outside an actor ({@code ref.ask} on a plain
 * thread, a virtual thread, a task), kept by that thread instead of one entry per ask on the
 * shared timer: per asking thread and actor system, in a thread-local.
 *
 * <h2>Mechanism</h2>
 * As in {@link AskDeadlines} (an actor's own asks), asks with the same timeout expire in the
 * order they were sent, so each distinct timeout is a <em>lane</em>, a FIFO list of asks
 * (linked through {@link AskReplyRef#nextDeadline}) whose deadlines never decrease. Unlike an
 * actor, a thread cannot be sent a message to expire its asks: it may be blocked, or gone. So
 * the asking thread only appends, and the timer thread does the rest:
 * <ul>
 *   <li><b>Expiry.</b> One timer entry, armed for the earliest deadline, runs {@link #expire}:
 *       it walks each lane from its head, times out (hands off the completion of) every
 *       waiting ask past its deadline, moves the head past them and the completed ones, stops
 *       at the first ask not yet due, and arms the entry for the earliest such ask.</li>
 *   <li><b>Tidying.</b> Every {@code tidyEvery} appends (at least {@value #MIN_TIDY}, and
 *       twice what the last tidy kept), the asker schedules one {@link #tidy} on the timer: it
 *       unlinks every completed ask of every lane. So a lane holds about what is in flight plus
 *       what was sent since the last tidy, O(1) amortized per ask, and a thread that stopped
 *       asking lets its completed asks go at the next firing (but each lane's last ask).</li>
 * </ul>
 * An ask costs its thread a clock read, a link and one volatile store (the hand-shake below).
 * The asker never reads whether its asks completed: that state is written by whoever answers,
 * on another core, and reading it back per ask would cost a cache miss each. A reply costs
 * nothing here: no shared timer entry scheduled and cancelled per ask, no timer thread taking in
 * millions of entries that are cancelled a few microseconds later.
 *
 * <p>At most {@value #MAX_LANES} lanes per thread: an ask with yet another timeout is refused
 * by {@link #add} and uses the shared timer.
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>The asking thread writes {@code lanes}/{@code laneCount} (a new lane is published by
 *       the volatile {@code laneCount}), each lane's {@code tail} (volatile) and its first
 *       {@code head}, and the asks' {@code deadline} and {@code nextDeadline} (the link a
 *       release store), and its own counters.</li>
 *   <li>The timer thread (its actions run one at a time) moves {@code head} forward (release)
 *       and relinks past the asks it unlinks. It never unlinks a lane's last ask (the next
 *       append links after it), so a lane, once it has had an ask, is never empty and its
 *       {@code head} never goes back to null. An unlinked ask keeps its link, so nothing that
 *       still points at it loses the rest of the lane.</li>
 *   <li>Completing an ask: any thread; the promise decides the one winner.</li>
 *   <li>{@code armed}, {@code armedFor} and {@code armedGeneration}: under this object's lock,
 *       taken by the asker only when it must arm (no entry armed, or armed for later than its
 *       ask's deadline) and by the timer thread once per firing; {@code armed} and
 *       {@code armedFor} are also read without the lock, volatile, on the asker's fast path.
 *       {@code tidyRequested}: set by the asker, cleared by the tidy.</li>
 * </ul>
 *
 * <h2>No ask left without a timeout (the hand-shake)</h2>
 * The asker appends (its volatile store of the lane's {@code tail}), then reads {@code armed}
 * and {@code armedFor}; a firing entry clears {@code armed} (volatile store, under the lock)
 * before its walk reads any lane. Both sides store, then load, volatiles, so at least one sees
 * the other: either the asker sees the entry disarmed, and arms it for its ask, or the walk
 * sees the ask (it re-walks a lane whose {@code tail} is not the last ask it reached). An ask
 * the walk sees but that is not due gets the entry armed for a deadline no later than its own
 * (its lane's first ask not yet due comes no later than it). Extra entries (an asker and the
 * walk both arming) only cost an early walk.
 */
final class ThreadAskDeadlines {
    static final int MAX_LANES = AskDeadlines.MAX_LANES;
    /** Fewest appends between two tidies. */
    static final int MIN_TIDY = 4096;

    private static final VarHandle NEXT;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle LANE_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NEXT = l.findVarHandle(AskReplyRef.class, "nextDeadline", AskReplyRef.class);
            HEAD = l.findVarHandle(Lane.class, "head", AskReplyRef.class);
            TAIL = l.findVarHandle(Lane.class, "tail", AskReplyRef.class);
            LANE_COUNT = l.findVarHandle(ThreadAskDeadlines.class, "laneCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Asks of one timeout, oldest first. */
    static final class Lane {
        final long timeoutNanos;
        /** Asker writes (release); the walk reads (acquire). */
        @SuppressWarnings("unused") // accessed through HEAD
        private AskReplyRef<?> head;
        /** Asker writes (volatile: the hand-shake); the walk reads (volatile). */
        @SuppressWarnings("unused") // accessed through TAIL
        private AskReplyRef<?> tail;
        Lane(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }
    }

    private final Timer timer;
    private final Lane[] lanes = new Lane[MAX_LANES];
    /** Lanes in use; the asker publishes a new lane with a volatile store. */
    @SuppressWarnings("unused") // accessed through LANE_COUNT
    private int laneCount;
    /** True while an entry armed for {@code armedFor} is pending. Written under the lock. */
    private volatile boolean armed;
    /** Written under the lock, before {@code armed} is set. */
    private volatile long armedFor;
    /** Which entry is the armed one: an older entry firing does not clear {@code armed}. */
    private long armedGeneration;
    /** Asker only: appends since the last tidy was requested. */
    private int appendsSinceTidy;
    /** Appends between tidies; written by the tidy, read by the asker. */
    private volatile int tidyEvery = MIN_TIDY;
    private volatile boolean tidyRequested;
    private final Task tidy = new Task() {
        @Override
        public void run() {
            tidy();
        }

        @Override
        public void abandon(Throwable reason) {
            ThreadAskDeadlines.this.abandon(reason);
        }
    };

    ThreadAskDeadlines(Timer timer) {
        this.timer = timer;
    }

    /**
     * Takes over the timeout of {@code ask}, about to be sent with {@code timeout}. Asking
     * thread.
     *
     * @return false if this thread already uses {@value #MAX_LANES} other timeouts: the caller
     *         arms the ask's timeout on the shared timer instead
     * @throws RejectedExecutionException the timer is shut down; the ask has then been
     *         abandoned (failed), as the timer does with what it cannot run
     */
    boolean add(AskReplyRef<?> ask, Duration timeout) {
        Lane lane = lane(AskDeadlines.timeoutNanos(timeout)); // cut as an actor's asks are
        if (lane == null) {
            return false;
        }
        long deadline = timer.nanoTime() + lane.timeoutNanos;
        ask.deadline = deadline;
        AskReplyRef<?> tail = (AskReplyRef<?>) TAIL.getOpaque(lane);
        if (tail == null) {
            HEAD.setRelease(lane, ask);
        } else {
            NEXT.setRelease(tail, ask);
        }
        TAIL.setVolatile(lane, ask); // the hand-shake's store: before reading armed
        if (!armed || deadline - armedFor < 0) {
            arm(deadline);
        }
        if (++appendsSinceTidy >= tidyEvery && !tidyRequested) {
            appendsSinceTidy = 0;
            tidyRequested = true;
            timer.schedule(Duration.ZERO, tidy);
        }
        return true;
    }

    /**
     * The lane for {@code timeoutNanos}, made if there is room, else null. As
     * {@code AskDeadlines.lane}, but a new lane is published (the volatile {@code laneCount})
     * to the timer thread's walks.
     */
    private Lane lane(long timeoutNanos) {
        int n = (int) LANE_COUNT.getOpaque(this);
        for (int i = 0; i < n; i++) {
            if (lanes[i].timeoutNanos == timeoutNanos) {
                return lanes[i];
            }
        }
        if (n == MAX_LANES) {
            return null;
        }
        Lane lane = new Lane(timeoutNanos);
        lanes[n] = lane;
        LANE_COUNT.setVolatile(this, n + 1);
        return lane;
    }

    /**
     * Unlinks every completed ask of every lane, but each lane's last one, and sets the number
     * of appends before the next tidy. Timer thread.
     */
    void tidy() {
        tidyRequested = false;
        int kept = 0;
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            kept += unlinkCompleted(lanes[i]);
        }
        tidyEvery = Math.max(MIN_TIDY, 2 * kept);
    }

    /** Unlinks the lane's completed asks but its last one; returns the asks left. Timer thread. */
    private static int unlinkCompleted(Lane lane) {
        AskReplyRef<?> head = (AskReplyRef<?>) HEAD.getAcquire(lane);
        AskReplyRef<?> last = null; // the last ask kept
        int kept = 0;
        for (AskReplyRef<?> a = head; a != null; ) {
            AskReplyRef<?> after = (AskReplyRef<?>) NEXT.getAcquire(a);
            if (after == null || !a.isFinished()) { // the last one stays: the next append links to it
                if (last == null) {
                    if (a != head) {
                        HEAD.setRelease(lane, a);
                    }
                } else if (NEXT.getAcquire(last) != a) {
                    NEXT.setRelease(last, a);
                }
                last = a;
                kept++;
            }
            a = after;
        }
        return kept;
    }

    /** Arms an entry for {@code deadline} unless one is armed for no later. */
    private synchronized void arm(long deadline) {
        if (armed && armedFor - deadline <= 0) {
            return;
        }
        long generation = ++armedGeneration;
        armedFor = deadline;
        armed = true;
        timer.schedule(Duration.ofNanos(Math.max(0, deadline - timer.nanoTime())), new Fire(this, generation));
    }

    /**
     * An entry fired: times out every waiting ask past its deadline and arms the entry for the
     * earliest ask not yet due. Timer thread (its actions run one at a time).
     */
    void expire(long generation) {
        synchronized (this) {
            if (generation == armedGeneration) {
                armed = false; // the hand-shake's store: before reading any lane
            }
        }
        long now = timer.nanoTime();
        boolean found = false;
        long next = 0;
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            Lane lane = lanes[i];
            AskReplyRef<?> notDue = walk(lane, now);
            if (notDue != null && (!found || notDue.deadline - next < 0)) {
                found = true;
                next = notDue.deadline;
            }
        }
        if (found) {
            try {
                arm(next);
            } catch (RejectedExecutionException shutDown) {
                // The timer closed meanwhile and abandoned the new entry, failing what waits.
            }
        }
    }

    /**
     * Times out the lane's waiting asks due by {@code now} and moves the lane's head past them
     * and the completed ones; returns the first ask not yet due, or null if every ask of the
     * lane is due (then handled).
     */
    private static AskReplyRef<?> walk(Lane lane, long now) {
        for (;;) {
            AskReplyRef<?> head = (AskReplyRef<?>) HEAD.getAcquire(lane);
            AskReplyRef<?> last = null;
            AskReplyRef<?> a = head;
            while (a != null) {
                if (a.deadline - now > 0) {
                    break; // deadlines never decrease along a lane
                }
                if (!a.isFinished()) {
                    a.run(); // hands the timeout's completion to the core dispatcher
                }
                last = a;
                a = (AskReplyRef<?>) NEXT.getAcquire(a);
            }
            // The new head: the first ask not due, else the last one reached (never unlinked:
            // it may be the tail).
            AskReplyRef<?> newHead = a != null ? a : last;
            if (newHead != null && newHead != head) {
                HEAD.setRelease(lane, newHead);
            }
            if (a != null) {
                return a;
            }
            AskReplyRef<?> tail = (AskReplyRef<?>) TAIL.getVolatile(lane);
            if (tail == null || tail == last) {
                return null;
            }
            // Appended after the link we ended on was read, or we stood on an unlinked ask: again.
        }
    }

    /** The timer shut down: every waiting ask fails. Timer thread, or the closing thread. */
    void abandon(Throwable reason) {
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            for (AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getAcquire(lanes[i]); a != null;
                 a = (AskReplyRef<?>) NEXT.getAcquire(a)) {
                if (!a.isFinished()) {
                    a.abandon(reason);
                }
            }
        }
    }

    /** The entry's action. */
    private record Fire(ThreadAskDeadlines owner, long generation) implements Task {
        @Override
        public void run() {
            owner.expire(generation);
        }

        @Override
        public void abandon(Throwable reason) {
            owner.abandon(reason);
        }
    }
}
