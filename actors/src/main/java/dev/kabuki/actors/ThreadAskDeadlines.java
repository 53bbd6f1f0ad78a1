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
 * (linked through {@link AskReplyRef#nextDeadline}). Unlike an actor, a thread cannot be sent a
 * message to expire its asks: it may be blocked, or gone. So the asking thread only appends, and
 * the timer thread does the rest, in three actions that run one at a time:
 * <ul>
 *   <li><b>Stamping visit</b> ({@link #visit}). The asker does not read the clock: after an
 *       append it makes sure one visit is requested (at most one pending; the timer runs it at
 *       its next tick). A visit that found new asks schedules the next one itself and leaves
 *       the request standing, so while the thread keeps asking the timer thread wakes by its
 *       own tick and the asker never wakes it (a wake-up through the kernel that would cost the
 *       asker more than all its clock reads of that tick); the first visit that finds nothing
 *       new withdraws the request. A visit reads each lane's tail, <em>then</em> the clock,
 *       and closes the lane's asks appended since its last visit into a <em>segment</em>: one
 *       <em>mark</em> (the segment's last ask, and the deadline {@code now + timeout}) at the
 *       end of the lane's mark queue. It touches no ask. Every ask of the segment was appended
 *       before that clock reading, so no ask times out before its timeout has passed since it
 *       was sent; it may time out up to the visit's delay later (a timer tick, 1 ms by default,
 *       plus scheduling latency), on top of the tick of the expiry itself. Marks of a lane are
 *       in deadline order, because visits are.</li>
 *   <li><b>Expiry</b> ({@link #expire}). One timer entry, armed for the earliest mark, walks
 *       each lane: for every mark now due it times out (hands off the completion of) every
 *       waiting ask from the lane's head through the mark's ask and moves the head past them;
 *       then it arms the entry for the earliest mark left.</li>
 *   <li><b>Tidying</b> (from a visit, once the asker has appended {@code tidyEvery} asks since
 *       the last tidy: at least {@value #MIN_TIDY}, and twice what the last tidy kept). It
 *       unlinks every completed ask, drops every mark whose segment has no waiting ask left,
 *       and moves each other mark back to its segment's last waiting ask (the completed asks
 *       after it fall into the next segment: completed, they have no deadline to keep). So a
 *       lane holds about what is in flight plus what was sent since the last tidy, O(1)
 *       amortized per ask, and a thread that stopped asking lets its asks go as their marks fall
 *       due (but each lane's last ask).</li>
 * </ul>
 * An ask costs its thread a link, a volatile store and a volatile load (the hand-shake below),
 * and, the first after a pause, a CAS and a timer entry. The asker never reads whether its asks
 * completed: that state is written by whoever answers, on another core, and reading it back per
 * ask would cost a cache miss each. A reply costs nothing here: no shared timer entry scheduled
 * and cancelled per ask, no timer thread taking in millions of entries that are cancelled a few
 * microseconds later.
 *
 * <p>At most {@value #MAX_LANES} lanes per thread: an ask with yet another timeout is refused
 * by {@link #add} and uses the shared timer.
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>The asking thread writes {@code lanes}/{@code laneCount} (a new lane is published by
 *       the volatile {@code laneCount}), each lane's {@code tail} (volatile) and its first
 *       {@code head}, the asks' {@code nextDeadline} (the link, a release store),
 *       {@code appends} (opaque), and {@code state} from IDLE to REQUESTED (CAS).</li>
 *   <li>The timer thread (its actions run one at a time, each seeing what the ones before it
 *       wrote) writes the marks, {@code lastMarked}, {@code spent}, the armed entry's
 *       bookkeeping and the tidy's counters, all its own; moves {@code head} forward (release)
 *       and relinks past the asks it unlinks; and moves {@code state} from REQUESTED to IDLE
 *       (CAS). It never unlinks a lane's last ask (the next append links after it), so a lane,
 *       once it has had an ask, is never empty and its {@code head} never goes back to null; nor
 *       the ask of a mark it keeps. An unlinked ask keeps its link, so nothing that still points
 *       at it loses the rest of the lane.</li>
 *   <li>{@link #abandon} (the timer shut down: the closing thread, once the timer thread has
 *       stopped, or an asker whose request found the timer shut) sets {@code state} to CLOSED
 *       for good, then fails every waiting ask it finds.</li>
 *   <li>Completing an ask: any thread; the promise decides the one winner.</li>
 * </ul>
 *
 * <h2>No ask left without a timeout (the hand-shake)</h2>
 * The asker appends (its volatile store of the lane's {@code tail}), then reads {@code state}
 * (volatile). While {@code state} is REQUESTED a visit is pending or running and reads the tails
 * later: a visit leaves it REQUESTED only after scheduling the next visit. A visit that found
 * nothing new moves {@code state} from REQUESTED to IDLE (a volatile CAS), then reads the tails
 * again. Both sides store, then load, volatiles, so at least one sees the other: either the
 * asker sees IDLE and requests a new visit, or that second look sees the ask and marks it. A marked
 * ask's mark is then due before the expiry entry: the visit arms the entry for the earliest mark
 * whenever no entry is armed for it or earlier, and the expiry re-arms for the earliest mark
 * left; both run on the timer thread, so there is no race there. The same hand-shake with
 * CLOSED: either the asker sees CLOSED and {@link #add} throws (the caller fails the ask), or
 * {@link #abandon}'s walk finds the ask.
 */
final class ThreadAskDeadlines {
    static final int MAX_LANES = AskDeadlines.MAX_LANES;
    /** Fewest appends between two tidies. */
    static final int MIN_TIDY = 4096;

    /** No visit pending: the next append requests one. */
    private static final int IDLE = 0;
    /** A visit is pending; it has not yet read the tails. */
    private static final int REQUESTED = 1;
    /** The timer shut down: every ask fails. */
    private static final int CLOSED = 2;

    private static final VarHandle NEXT;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle LANE_COUNT;
    private static final VarHandle STATE;
    private static final VarHandle APPENDS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NEXT = l.findVarHandle(AskReplyRef.class, "nextDeadline", AskReplyRef.class);
            HEAD = l.findVarHandle(Lane.class, "head", AskReplyRef.class);
            TAIL = l.findVarHandle(Lane.class, "tail", AskReplyRef.class);
            LANE_COUNT = l.findVarHandle(ThreadAskDeadlines.class, "laneCount", int.class);
            STATE = l.findVarHandle(ThreadAskDeadlines.class, "state", int.class);
            APPENDS = l.findVarHandle(ThreadAskDeadlines.class, "appends", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Asks of one timeout, oldest first, and the marks of its segments, oldest first. */
    static final class Lane {
        final long timeoutNanos;
        /** Asker writes the first one (release); then the timer thread moves it (release). */
        @SuppressWarnings("unused") // accessed through HEAD
        private AskReplyRef<?> head;
        /** Asker writes (volatile: the hand-shake); the timer thread reads (volatile). */
        @SuppressWarnings("unused") // accessed through TAIL
        private AskReplyRef<?> tail;

        // Timer thread only from here on.
        /** The ask of the last mark made (the tail the last visit read); identity only. */
        private AskReplyRef<?> lastMarked;
        /**
         * The head when an expiry left it on an ask it had just handled (the last ask of the
         * lane then): the next expiry starts after it.
         */
        private AskReplyRef<?> spent;
        /** Ring of marks: the segment's last ask and its deadline; {@code markCount} from {@code markFirst}. */
        private AskReplyRef<?>[] markAsk = new AskReplyRef<?>[8];
        private long[] markDeadline = new long[8];
        private int markFirst;
        private int markCount;

        Lane(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        private int slot(int i) {
            return (markFirst + i) & (markAsk.length - 1);
        }

        private void pushMark(AskReplyRef<?> last, long deadline) {
            if (markCount == markAsk.length) {
                AskReplyRef<?>[] asks = new AskReplyRef<?>[2 * markCount];
                long[] deadlines = new long[2 * markCount];
                for (int i = 0; i < markCount; i++) {
                    asks[i] = markAsk[slot(i)];
                    deadlines[i] = markDeadline[slot(i)];
                }
                markAsk = asks;
                markDeadline = deadlines;
                markFirst = 0;
            }
            int s = slot(markCount++);
            markAsk[s] = last;
            markDeadline[s] = deadline;
        }

        /** Moves mark {@code from} to {@code to <= from} (compacting the kept marks, in order). */
        private void moveMark(int from, int to) {
            int f = slot(from);
            int t = slot(to);
            AskReplyRef<?> ask = markAsk[f];
            markAsk[f] = null;
            markAsk[t] = ask;
            markDeadline[t] = markDeadline[f];
        }

        private AskReplyRef<?> pollMark() {
            AskReplyRef<?> last = markAsk[markFirst];
            markAsk[markFirst] = null;
            markFirst = (markFirst + 1) & (markAsk.length - 1);
            markCount--;
            return last;
        }
    }

    private final Timer timer;
    private final Lane[] lanes = new Lane[MAX_LANES];
    /** Lanes in use; the asker publishes a new lane with a volatile store. */
    @SuppressWarnings("unused") // accessed through LANE_COUNT
    private int laneCount;
    /** IDLE, REQUESTED or CLOSED: the hand-shake. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** Asks appended, ever (wrapping); asker writes (opaque), the visit reads (opaque). */
    @SuppressWarnings("unused") // accessed through APPENDS
    private int appends;

    // Timer thread only.
    /** True while an entry armed for {@code armedFor} is pending. */
    private boolean armed;
    private long armedFor;
    /** Which entry is the armed one: an older entry firing does not clear {@code armed}. */
    private long armedGeneration;
    /** {@code appends} as the last tidy found it. */
    private int appendsAtTidy;
    /** Appends between tidies. */
    private int tidyEvery = MIN_TIDY;
    /** The visit's tails, read before its clock reading; one per lane. */
    private final AskReplyRef<?>[] visitTails = new AskReplyRef<?>[MAX_LANES];

    private final Task visit = new Task() {
        @Override
        public void run() {
            visit();
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
     * @throws RejectedExecutionException the timer is shut down; the caller fails the ask (it
     *         may have been failed already)
     */
    boolean add(AskReplyRef<?> ask, Duration timeout) {
        Lane lane = lane(AskDeadlines.timeoutNanos(timeout)); // cut as an actor's asks are
        if (lane == null) {
            return false;
        }
        AskReplyRef<?> tail = (AskReplyRef<?>) TAIL.getOpaque(lane);
        if (tail == null) {
            HEAD.setRelease(lane, ask);
        } else {
            NEXT.setRelease(tail, ask);
        }
        TAIL.setVolatile(lane, ask); // the hand-shake's store: before reading state
        APPENDS.setOpaque(this, (int) APPENDS.getOpaque(this) + 1);
        int s = (int) STATE.getVolatile(this);
        if (s != REQUESTED) {
            requestVisit(s);
        }
        return true;
    }

    /** Asker: no visit pending (IDLE) or the timer is shut (CLOSED). */
    private void requestVisit(int s) {
        // Only this thread moves IDLE to REQUESTED, so the CAS fails only on CLOSED.
        if (s == IDLE && STATE.compareAndSet(this, IDLE, REQUESTED)) {
            timer.schedule(Duration.ZERO, visit); // shut: abandons the visit (fails every ask), throws
            return;
        }
        throw new RejectedExecutionException("timer is shut down");
    }

    /**
     * The lane for {@code timeoutNanos}, made if there is room, else null. As
     * {@code AskDeadlines.lane}, but a new lane is published (the volatile {@code laneCount})
     * to the timer thread.
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
     * The stamping visit: marks each lane's asks appended since the last visit with the deadline
     * of one clock reading taken after their tails were read, arms the expiry entry if a new mark
     * is the earliest, and tidies when due. While it finds new asks it schedules itself again for
     * the next tick and leaves the request standing, so a thread that keeps asking never wakes
     * the timer thread itself (which then wakes on its own tick); the first visit that finds
     * nothing new withdraws the request and looks again (the hand-shake). Timer thread.
     */
    void visit() {
        if (markNew()) {
            try {
                timer.schedule(Duration.ZERO, visit); // the request stands: the asker schedules nothing
            } catch (RejectedExecutionException shutDown) {
                return; // the timer closed meanwhile and abandoned the visit, failing what waits
            }
        } else {
            STATE.compareAndSet(this, REQUESTED, IDLE); // the hand-shake's store: before reading tails
            markNew();
        }
        int appended = (int) APPENDS.getOpaque(this);
        if (appended - appendsAtTidy >= tidyEvery) {
            appendsAtTidy = appended;
            tidy();
        }
    }

    /** Marks each lane's asks appended since its last mark; true if there were any. Timer thread. */
    private boolean markNew() {
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            visitTails[i] = (AskReplyRef<?>) TAIL.getVolatile(lanes[i]);
        }
        long now = timer.nanoTime(); // after the tails: every ask marked was sent before it
        boolean found = false;
        for (int i = 0; i < n; i++) {
            Lane lane = lanes[i];
            AskReplyRef<?> t = visitTails[i];
            visitTails[i] = null;
            if (t != null && t != lane.lastMarked) {
                found = true;
                long deadline = now + lane.timeoutNanos;
                lane.pushMark(t, deadline);
                lane.lastMarked = t;
                if (lane.markCount == 1) { // the lane's earliest mark: maybe the earliest of all
                    try {
                        arm(deadline);
                    } catch (RejectedExecutionException shutDown) {
                        // the timer closed meanwhile and abandoned the entry, failing what waits
                    }
                }
            }
        }
        return found;
    }

    /**
     * Unlinks every completed ask of every lane but each lane's last one, drops the marks whose
     * segments have no waiting ask left, and sets the number of appends before the next tidy.
     * Timer thread.
     */
    void tidy() {
        int kept = 0;
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            kept += tidy(lanes[i]);
        }
        tidyEvery = Math.max(MIN_TIDY, 2 * kept);
    }

    /** Tidies one lane; returns the asks left linked. Timer thread. */
    private static int tidy(Lane lane) {
        AskReplyRef<?> head = (AskReplyRef<?>) HEAD.getAcquire(lane);
        AskReplyRef<?> first = null; // the first ask kept: the new head
        AskReplyRef<?> last = null; // the last ask kept
        int kept = 0;
        int mark = 0; // the mark whose segment the walk is in
        int marksKept = 0;
        AskReplyRef<?> segmentWaiter = null; // the last waiting ask of the walk's segment
        for (AskReplyRef<?> a = head; a != null; ) {
            AskReplyRef<?> after = (AskReplyRef<?>) NEXT.getAcquire(a);
            // The spent head was timed out already, its completion maybe still on its way: it
            // waits for nothing here, and must never end a later segment (see expire).
            boolean waiting = a != lane.spent && !a.isFinished();
            if (waiting) {
                segmentWaiter = a;
            }
            if (mark < lane.markCount && a == lane.markAsk[lane.slot(mark)]) { // ends a segment
                if (segmentWaiter != null) {
                    // Kept, and moved back to the segment's last waiting ask (kept as waiting):
                    // the completed asks after it go, and belong to the next segment, harmlessly.
                    lane.moveMark(mark, marksKept);
                    lane.markAsk[lane.slot(marksKept++)] = segmentWaiter;
                }
                mark++;
                segmentWaiter = null;
            }
            if (waiting || after == null) { // the last one stays: the next append links to it
                if (last == null) {
                    first = a;
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
        for (; mark < lane.markCount; mark++) { // not reached (every mark's ask is linked): kept
            lane.moveMark(mark, marksKept++);
        }
        for (int i = marksKept; i < lane.markCount; i++) {
            lane.markAsk[lane.slot(i)] = null;
        }
        lane.markCount = marksKept;
        if (lane.spent != null && lane.spent != first) {
            lane.spent = null; // unlinked: no longer the head (and not to be kept reachable)
        }
        return kept;
    }

    /** Arms an entry for {@code deadline} unless one is armed for no later. Timer thread. */
    private void arm(long deadline) {
        if (armed && armedFor - deadline <= 0) {
            return;
        }
        long generation = ++armedGeneration;
        armedFor = deadline;
        armed = true;
        timer.schedule(Duration.ofNanos(Math.max(0, deadline - timer.nanoTime())), new Fire(this, generation));
    }

    /**
     * An entry fired: times out every waiting ask of every mark now due and arms the entry for
     * the earliest mark left. Timer thread.
     */
    void expire(long generation) {
        if (generation == armedGeneration) {
            armed = false;
        }
        long now = timer.nanoTime();
        boolean found = false;
        long next = 0;
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            Lane lane = lanes[i];
            expire(lane, now);
            if (lane.markCount > 0) {
                long d = lane.markDeadline[lane.markFirst];
                if (!found || d - next < 0) {
                    found = true;
                    next = d;
                }
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
     * Times out the waiting asks of the lane's marks due by {@code now}, oldest first, and moves
     * the lane's head past them. The asks of a mark's segment run from the head (after
     * {@code spent}) through the mark's ask, which the head reaches by links: the timer thread
     * keeps every pending mark's ask linked.
     */
    private static void expire(Lane lane, long now) {
        while (lane.markCount > 0 && lane.markDeadline[lane.markFirst] - now <= 0) {
            AskReplyRef<?> last = lane.pollMark();
            AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getAcquire(lane);
            if (a == lane.spent) {
                a = (AskReplyRef<?>) NEXT.getAcquire(a);
            }
            for (; a != null; a = (AskReplyRef<?>) NEXT.getAcquire(a)) {
                if (!a.isFinished()) {
                    a.run(); // hands the timeout's completion to the core dispatcher
                }
                if (a == last) {
                    break;
                }
            }
            AskReplyRef<?> after = (AskReplyRef<?>) NEXT.getAcquire(last);
            if (after != null) {
                HEAD.setRelease(lane, after);
                lane.spent = null;
            } else { // last is the lane's last ask: it stays linked, handled
                HEAD.setRelease(lane, last);
                lane.spent = last;
            }
        }
    }

    /**
     * The timer shut down: no visit will come, so every waiting ask fails, and every later
     * {@link #add} throws. The closing thread once the timer thread has stopped, or an asker
     * whose visit the shut timer refused.
     */
    void abandon(Throwable reason) {
        STATE.setVolatile(this, CLOSED); // the hand-shake's store: before reading tails
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            Lane lane = lanes[i];
            AskReplyRef<?> tail = (AskReplyRef<?>) TAIL.getVolatile(lane);
            for (AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getAcquire(lane); a != null;
                 a = a == tail ? null : (AskReplyRef<?>) NEXT.getAcquire(a)) {
                if (!a.isFinished()) {
                    a.abandon(reason);
                }
            }
        }
    }

    /** Asks linked in all lanes (walks them). For tests; not while the asker appends. */
    int linkedAsks() {
        int count = 0;
        int n = (int) LANE_COUNT.getVolatile(this);
        for (int i = 0; i < n; i++) {
            for (AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getAcquire(lanes[i]); a != null;
                 a = (AskReplyRef<?>) NEXT.getAcquire(a)) {
                count++;
            }
        }
        return count;
    }

    /** The deadlines of each lane's pending marks, oldest first. For tests; timer thread. */
    long[][] markDeadlines() {
        int n = (int) LANE_COUNT.getVolatile(this);
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            Lane lane = lanes[i];
            out[i] = new long[lane.markCount];
            for (int j = 0; j < lane.markCount; j++) {
                out[i][j] = lane.markDeadline[lane.slot(j)];
            }
        }
        return out;
    }

    /** The ask the last visit marked in lane {@code i} (the tail it read), or null. For tests; timer thread. */
    AskReplyRef<?> lastMarked(int i) {
        return i < (int) LANE_COUNT.getVolatile(this) ? lanes[i].lastMarked : null;
    }

    /** Whether a visit is pending. For tests. */
    boolean visitRequested() {
        return (int) STATE.getVolatile(this) == REQUESTED;
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
