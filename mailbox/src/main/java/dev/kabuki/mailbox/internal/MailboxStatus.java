package dev.kabuki.mailbox.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The status word of a mailbox: who may consume it now, and whether it is closed. One
 * {@code int} updated by CAS, two bits of state and room for flags above them.
 *
 * <p><b>Thread-safety:</b> every method may be called from any thread; all transitions are
 * atomic. The SCHEDULED bit is a token: exactly one thread holds it at a time, and only that
 * thread may {@link MessageQueue#poll poll} the mailbox's queues.
 *
 * <h2>State</h2>
 * <pre>
 *   bit 0  SCHEDULED  the consumer token is taken (the actor is queued or running, or, once
 *                     closed, someone is draining the rest to dead letters)
 *   bit 1  CLOSED     terminal: never cleared
 *   bits 2..31        free for flags (suspension count, ...); every transition keeps them
 * </pre>
 * Named states: IDLE = 0, SCHEDULED = 1, CLOSED = 2, CLOSED|SCHEDULED = 3 (closed while its
 * consumer is still at work).
 *
 * <h2>Transitions (who writes what)</h2>
 * <ul>
 *   <li>{@link #trySchedule}: IDLE → SCHEDULED, by a sender (or the consumer's re-check).
 *       Exactly one of any number of racing callers wins; fails if SCHEDULED or CLOSED. A
 *       closed mailbox never schedules again.</li>
 *   <li>{@link #setIdle}: clears SCHEDULED, by the token holder only (the running consumer);
 *       SCHEDULED → IDLE, or CLOSED|SCHEDULED → CLOSED.</li>
 *   <li>{@link #close}: sets CLOSED from any state, by anyone; the first call wins. The token
 *       stays where it was.</li>
 *   <li>{@link #tryClaimDrain}: CLOSED → CLOSED|SCHEDULED: takes the token of a closed mailbox
 *       to move what is left in its queues to dead letters.</li>
 * </ul>
 *
 * <h2>The idle race (DESIGN.md, the path of a message, steps 2 and 4)</h2>
 * A sender:
 * <ol>
 *   <li>appends to the queue (a volatile write: the tail CAS);</li>
 *   <li>calls {@link #trySchedule}; if it wins, it submits the mailbox to a dispatcher;</li>
 *   <li>otherwise, if {@link #isClosed}, calls {@link #tryClaimDrain} and, if it wins, drains
 *       like a consumer (below) into dead letters.</li>
 * </ol>
 * The consumer (token holder), after at most {@code throughput} messages:
 * <ol>
 *   <li>calls {@link #setIdle} (a volatile CAS), releasing the token;</li>
 *   <li>re-checks: if {@link MessageQueue#isEmpty} (and the system lane's) is {@code false},
 *       calls {@link #trySchedule} (open) or {@link #tryClaimDrain} (closed) and, if it wins,
 *       runs again (re-submits itself); if it loses, the winner will consume.</li>
 * </ol>
 * Why no message is stranded: the sender's append and its status read, and the consumer's
 * status write and its queue read, are all volatile/CAS accesses, hence totally ordered.
 * Either the sender's status read comes after the consumer's {@code setIdle} (it sees the
 * token free and wins it, or loses it to a thread that will consume), or it comes before, and
 * then the consumer's re-check comes after the append and sees a non-empty queue.
 *
 * <h2>Invariants</h2>
 * At most one thread holds the token, so a mailbox is never consumed on two threads at once;
 * CLOSED is never cleared; once closed, {@link #trySchedule} always fails.
 *
 * <h2>Memory ordering</h2>
 * Volatile reads and CAS only: the handshake above is a Dekker pattern (store, then load of
 * another variable), which release/acquire alone does not order. A successful
 * {@link #setIdle} followed by another thread's successful {@link #trySchedule} also hands over
 * everything the previous consumer wrote (actor state) to the next one.
 *
 * <p><b>Footprint:</b> 16 bytes (header plus one {@code int}). A mailbox may instead extend this
 * class to embed the word in its own object (one object less per actor); the methods are final,
 * so the protocol stays the one described here.
 */
public class MailboxStatus {
    /** The consumer token bit. */
    static final int SCHEDULED = 1;
    /** The terminal bit. */
    static final int CLOSED = 2;
    /** Both state bits; everything above is flags. */
    static final int STATE_MASK = SCHEDULED | CLOSED;

    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(MailboxStatus.class, "word", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The named states of the two state bits. */
    public enum State {
        /** Open, nobody holds the token: the next sender schedules it. */
        IDLE,
        /** Open, the token is taken: queued on or running on a dispatcher. */
        SCHEDULED,
        /** Closed, nobody holds the token. */
        CLOSED,
        /** Closed while its consumer (or a dead-letter drain) still holds the token. */
        CLOSED_SCHEDULED
    }

    private static final State[] STATES = State.values();

    @SuppressWarnings("unused") // accessed through WORD
    private volatile int word;

    /** Creates an IDLE status. */
    public MailboxStatus() {
    }

    /**
     * IDLE → SCHEDULED. Any thread. Exactly one of several racing callers gets {@code true}
     * and must then have the mailbox consumed (submit it to a dispatcher).
     *
     * @return {@code true} if this call took the token; {@code false} if it was taken or the
     *     mailbox is closed
     */
    public final boolean trySchedule() {
        int s = (int) WORD.getVolatile(this);
        while ((s & STATE_MASK) == 0) {
            int witness = (int) WORD.compareAndExchange(this, s, s | SCHEDULED);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    /**
     * Releases the token: SCHEDULED → IDLE, or CLOSED|SCHEDULED → CLOSED. Token holder only.
     * The caller must then re-check its queues (see the class note).
     *
     * @return {@code true} if the mailbox is open (re-check, then {@link #trySchedule}),
     *     {@code false} if it is closed (re-check, then {@link #tryClaimDrain})
     * @throws IllegalStateException if the token was not held: a consumer bug
     */
    public final boolean setIdle() {
        int s = (int) WORD.getVolatile(this);
        while (true) {
            if ((s & SCHEDULED) == 0) {
                throw new IllegalStateException("setIdle without holding the token: " + this);
            }
            int witness = (int) WORD.compareAndExchange(this, s, s & ~SCHEDULED);
            if (witness == s) {
                return (s & CLOSED) == 0;
            }
            s = witness;               // close() or a flag changed meanwhile
        }
    }

    /**
     * Closes the mailbox, from any state; terminal. Any thread. The token is not affected: if
     * the previous state was SCHEDULED, its holder will see {@link #setIdle} return
     * {@code false}; if it was IDLE, nobody consumes until someone calls
     * {@link #tryClaimDrain}.
     *
     * @return the state before this call; {@link State#CLOSED} or
     *     {@link State#CLOSED_SCHEDULED} if another call closed it first
     */
    public final State close() {
        int s = (int) WORD.getVolatile(this);
        while ((s & CLOSED) == 0) {
            int witness = (int) WORD.compareAndExchange(this, s, s | CLOSED);
            if (witness == s) {
                break;
            }
            s = witness;
        }
        return STATES[s & STATE_MASK];
    }

    /**
     * CLOSED → CLOSED|SCHEDULED: takes the token of a closed mailbox, to move its remaining
     * messages to dead letters. Any thread; exactly one racing caller wins.
     *
     * @return {@code true} if this call took the token; {@code false} if the mailbox is open or
     *     the token is taken
     */
    public final boolean tryClaimDrain() {
        int s = (int) WORD.getVolatile(this);
        while ((s & STATE_MASK) == CLOSED) {
            int witness = (int) WORD.compareAndExchange(this, s, s | SCHEDULED);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    /** The current state (a snapshot). Any thread. */
    public final State state() {
        return STATES[(int) WORD.getVolatile(this) & STATE_MASK];
    }

    /** {@code true} once {@link #close} was called (never reverts). Any thread. */
    public final boolean isClosed() {
        return ((int) WORD.getVolatile(this) & CLOSED) != 0;
    }

    /** {@code true} while some thread holds the token (a snapshot). Any thread. */
    public final boolean isScheduled() {
        return ((int) WORD.getVolatile(this) & SCHEDULED) != 0;
    }

    @Override
    public String toString() {
        return "MailboxStatus[" + state() + "]";
    }
}
