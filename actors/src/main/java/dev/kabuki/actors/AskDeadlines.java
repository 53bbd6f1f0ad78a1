package dev.kabuki.actors;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The timeouts of the asks one actor has sent with {@code ctx.ask}, kept by the asking actor
 * itself instead of one entry per ask on the shared timer.
 *
 * <h2>Mechanism</h2>
 * Asks with the same timeout expire in the order they were sent, so each distinct timeout is a
 * <em>lane</em>: a FIFO list of asks (linked through {@link AskReplyRef#nextDeadline}) whose
 * deadlines never decrease. The earliest deadline of all is the head of one lane; one timer entry
 * on the shared timer, armed for it, sends the actor {@link SystemMessage.AskTimeoutsDue}, and the
 * actor then {@link #expire}s: in each lane it drops the completed asks at the head, times out
 * those past their deadline, and stops at the first one still waiting; then it arms the timer for
 * the earliest head left. A reply costs nothing here: no shared timer entry scheduled and
 * cancelled per ask, no timer thread taking in millions of entries that are cancelled a few
 * microseconds later.
 *
 * <h2>One clock read per batch, not per ask</h2>
 * {@link #add} only links the ask, <em>unstamped</em>; at the end of each batch of the asking
 * actor's activation ({@link #stamp}, from {@code MailboxConsumer.beforeIdle}) one clock read
 * gives every ask added in that batch its deadline, that reading plus its lane's timeout, and
 * arms the timer if one of them is now the earliest. Every ask was sent before that reading, so
 * no ask times out before its timeout has passed since it was sent. It may time out as much
 * later as the rest of its batch took (or, when the activation re-submitted itself to wait for
 * a sender mid-append, until the end of the next one's batch), which its asker could not tell
 * apart anyway: the outcome of a {@code ctx.ask} is a message to the asker, handled no sooner
 * than after that batch. A stopping asker stamps what is left ({@link #terminated}). The
 * unstamped asks are each lane's last ones (from {@code firstUnstamped} to the tail), so the
 * lanes stay in deadline order; an expiry never looks at an unstamped ask.
 *
 * <p><b>Armed entry invariant:</b> after every {@link #stamp}, {@link #expire} and {@link #add},
 * each lane whose head is stamped has an entry armed for no later than that head's deadline:
 * {@link #stamp} arms for a lane whose head it stamped, {@link #expire} re-arms for the earliest
 * stamped head, and dropping or compacting completed asks only moves a head to a later deadline.
 *
 * <p>Completed asks leave a lane lazily: from its head, whenever an ask is added, and by a
 * compaction once a lane has doubled since the last one (at least {@value #MIN_COMPACT} asks), so
 * a lane keeps at most about twice its waiting asks, and the work is O(1) amortized per ask.
 *
 * <p>At most {@value #MAX_LANES} lanes: an ask with yet another timeout is refused by
 * {@link #add} and its asker uses the shared timer for it, as an ask from outside does.
 *
 * <h2>Thread-safety</h2>
 * Token holder of the asking actor only (its {@code ctx.ask}, the system message, its
 * termination), like the rest of an actor's context; the one thing other threads do to an ask
 * here is complete it, which {@link AskReplyRef#isFinished} reads with acquire semantics. The
 * timer thread only sends the system message.
 */
final class AskDeadlines {
    static final int MAX_LANES = 4;
    static final int MIN_COMPACT = 64;
    /**
     * Longer timeouts are cut to this (about 73 years, as the timer does), so that a deadline,
     * the clock plus a timeout, never overflows; deadlines are compared by their difference.
     */
    static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 4;
    private static final Duration MAX_TIMEOUT = Duration.ofNanos(MAX_TIMEOUT_NANOS);

    /** Asks of one timeout, oldest first. */
    private static final class Lane {
        final long timeoutNanos;
        AskReplyRef<?> head;
        AskReplyRef<?> tail;
        int size;
        int compactAt = MIN_COMPACT;
        /** The first ask added since the last {@link #stamp}, null if none: it and those after it have no deadline yet. */
        AskReplyRef<?> firstUnstamped;

        Lane(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }
    }

    private final Timer timer;
    /** The timer entry's action, the same every time it is armed. */
    private final Due due;
    private final Lane[] lanes = new Lane[MAX_LANES];
    private int laneCount;
    /** The timer entry, null when none is armed, and the deadline it is armed for. */
    private Cancellable armed;
    private long armedFor;
    /** Whether some lane has unstamped asks. */
    private boolean unstamped;

    AskDeadlines(ActorCell<?> owner, Timer timer) {
        this.timer = timer;
        this.due = new Due(owner);
    }

    /**
     * Takes over the timeout of {@code ask}, sent now with {@code timeout}.
     *
     * @return false if this actor already has {@value #MAX_LANES} other timeouts: the caller
     *         arms the ask's timeout on the shared timer instead
     * @throws RejectedExecutionException the timer is shut down (the runtime is going away)
     */
    boolean add(AskReplyRef<?> ask, Duration timeout) {
        Lane lane = lane(timeoutNanos(timeout));
        if (lane == null) {
            return false;
        }
        dropHeads(lane, false, 0);
        if (lane.tail == null) {
            lane.head = ask;
        } else {
            lane.tail.nextDeadline = ask;
        }
        lane.tail = ask;
        if (lane.firstUnstamped == null) {
            lane.firstUnstamped = ask;
            unstamped = true;
        }
        if (++lane.size >= lane.compactAt) {
            compact(lane);
        }
        return true;
    }

    /**
     * The batch that added asks is over: gives each unstamped ask its deadline from one clock
     * read, and arms the timer if one of them is now the earliest deadline.
     *
     * @throws RejectedExecutionException the timer is shut down (the runtime is going away; the
     *         asks are failed when the actor stops, see {@link #terminated})
     */
    void stamp() {
        if (!unstamped) {
            return;
        }
        unstamped = false;
        long now = timer.nanoTime();
        boolean found = false;
        long earliest = 0;
        for (int i = 0; i < laneCount; i++) {
            Lane lane = lanes[i];
            AskReplyRef<?> first = lane.firstUnstamped;
            if (first == null) {
                continue;
            }
            lane.firstUnstamped = null;
            long deadline = now + lane.timeoutNanos;
            for (AskReplyRef<?> a = first; a != null; a = a.nextDeadline) {
                a.deadline = deadline;
            }
            if (first == lane.head && (!found || deadline - earliest < 0)) {
                found = true; // a lane with stamped asks ahead has its head's entry armed already
                earliest = deadline;
            }
        }
        if (found && (armed == null || earliest - armedFor < 0)) {
            arm(earliest, now);
        }
    }

    /** {@code timeout} in nanoseconds, cut to {@link #MAX_TIMEOUT_NANOS}: a lane's key. */
    static long timeoutNanos(Duration timeout) {
        return timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT_NANOS : timeout.toNanos();
    }

    private Lane lane(long timeoutNanos) {
        for (int i = 0; i < laneCount; i++) {
            if (lanes[i].timeoutNanos == timeoutNanos) {
                return lanes[i];
            }
        }
        if (laneCount == MAX_LANES) {
            return null;
        }
        return lanes[laneCount++] = new Lane(timeoutNanos);
    }

    /**
     * The timer entry fired (or an earlier one, since replaced): times out every ask past its
     * deadline, drops the completed ones ahead of the first still waiting, and arms the timer
     * for the earliest deadline left.
     */
    void expire() {
        if (armed != null) {
            armed.cancel(); // a stale entry's message may come first; the sweep re-arms anyway
            armed = null;
        }
        long now = timer.nanoTime();
        AskReplyRef<?> next = null;
        for (int i = 0; i < laneCount; i++) {
            Lane lane = lanes[i];
            AskReplyRef<?> a = dropHeads(lane, true, now);
            if (a != null && a != lane.firstUnstamped // an unstamped head is armed by stamp()
                    && (next == null || a.deadline - next.deadline < 0)) {
                next = a;
            }
        }
        if (next != null) {
            arm(next.deadline, now);
        }
    }

    /**
     * The asking actor has terminated: the asks still waiting go back to the shared timer, each
     * for what is left of its timeout, so a stopped asker's asks time out as before (their
     * outcomes are dead letters) and none is left waiting forever at its target.
     */
    void terminated() {
        try {
            stamp();
        } catch (RejectedExecutionException shutDown) {
            // the loop below meets the same refusal for each ask, which fails it
        }
        if (armed != null) {
            armed.cancel();
            armed = null;
        }
        long now = timer.nanoTime();
        for (int i = 0; i < laneCount; i++) {
            Lane lane = lanes[i];
            for (AskReplyRef<?> a = lane.head; a != null; ) {
                AskReplyRef<?> after = a.nextDeadline;
                a.nextDeadline = null;
                if (!a.isFinished()) {
                    try {
                        a.armed(timer.schedule(Duration.ofNanos(Math.max(0, a.deadline - now)), a));
                    } catch (RejectedExecutionException shutDown) {
                        // the timer abandoned the ask, which failed it: nothing left to wait for
                    }
                }
                a = after;
            }
            lane.head = lane.tail = lane.firstUnstamped = null;
            lane.size = 0;
        }
    }

    /** Asks held, completed or not, in every lane (tests). */
    int size() {
        int n = 0;
        for (int i = 0; i < laneCount; i++) {
            n += lanes[i].size;
        }
        return n;
    }

    /**
     * Unlinks the lane's completed asks from its head, and with {@code expireDue} also those
     * whose deadline has passed by {@code now}, timing them out (never an unstamped one: it has
     * no deadline yet); returns the new head (null if the lane is empty).
     */
    private static AskReplyRef<?> dropHeads(Lane lane, boolean expireDue, long now) {
        AskReplyRef<?> a = lane.head;
        while (a != null && (a.isFinished()
                || (expireDue && a != lane.firstUnstamped && a.deadline - now <= 0))) {
            AskReplyRef<?> after = a.nextDeadline;
            a.nextDeadline = null;
            lane.size--;
            if (a == lane.firstUnstamped) {
                lane.firstUnstamped = after; // only a completed one: the rest stay unstamped
            }
            a.expire(); // completes it unless a reply or failure came first
            a = after;
        }
        lane.head = a;
        if (a == null) {
            lane.tail = null;
        }
        return a;
    }

    /** Unlinks every completed ask of the lane; the next compaction waits until it doubles. */
    private static void compact(Lane lane) {
        AskReplyRef<?> head = null;
        AskReplyRef<?> tail = null;
        AskReplyRef<?> firstUnstamped = null;
        boolean inUnstamped = false;
        int live = 0;
        for (AskReplyRef<?> a = lane.head; a != null; ) {
            AskReplyRef<?> after = a.nextDeadline;
            a.nextDeadline = null;
            inUnstamped |= a == lane.firstUnstamped;
            if (!a.isFinished()) {
                if (tail == null) {
                    head = a;
                } else {
                    tail.nextDeadline = a;
                }
                tail = a;
                live++;
                if (inUnstamped && firstUnstamped == null) {
                    firstUnstamped = a;
                }
            }
            a = after;
        }
        lane.head = head;
        lane.tail = tail;
        lane.firstUnstamped = firstUnstamped;
        lane.size = live;
        lane.compactAt = Math.max(MIN_COMPACT, 2 * live);
    }

    /** Arms the one timer entry for {@code deadline}, replacing a later one. */
    private void arm(long deadline, long now) {
        if (armed != null) {
            armed.cancel();
            armed = null;
        }
        armed = timer.schedule(Duration.ofNanos(Math.max(0, deadline - now)), due);
        armedFor = deadline;
    }

    /** The timer entry's action: tells the asking actor to expire its asks. Timer thread. */
    private record Due(ActorCell<?> owner) implements Task {
        @Override
        public void run() {
            owner.askTimeoutsDue();
        }

        @Override
        public void abandon(Throwable reason) {
            // The timer shut down: the runtime is going away, and stopping the actor hands its
            // waiting asks to the timer, which abandons (fails) them.
        }
    }
}
