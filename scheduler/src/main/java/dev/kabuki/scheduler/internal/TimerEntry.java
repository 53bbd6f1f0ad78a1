package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One pending timer of a {@link TimingWheel}, and the handle its scheduler cancels it with.
 *
 * <p>The entry is intrusive: it is its own node in the wheel's incoming stack, in its bucket's
 * doubly-linked list and in the wheel's cancelled stack, so a pending timer costs this one small
 * object (about 48 bytes with compressed oops) and nothing else.
 *
 * <h2>State</h2>
 * <pre>
 *   PENDING ──cancel() wins the CAS──▶ CANCELLED   (action neither runs nor is abandoned)
 *      │
 *      └──timer thread or closer wins the CAS──▶ FIRED   (run, or abandoned on close)
 * </pre>
 * Both targets are terminal; exactly one CAS leaves PENDING, so the action ends exactly once.
 * Beside the state, bit {@link #IN_WHEEL} says the timer thread has taken the entry in from the
 * incoming stack ({@link #takeIn()}, an atomic OR that also returns the state). A cancel that
 * finds the bit clear hands nothing to the wheel: the timer thread will see CANCELLED when it
 * takes the entry in and drop it. Only a cancel of an entry already in a bucket pushes it on
 * the wheel's cancelled stack, so the common case of a timeout cancelled within microseconds
 * (an ask) writes nothing shared but this entry. The bit and the state live in one word, so the
 * two RMWs are totally ordered: either the OR comes first (the cancel sees the bit and hands
 * the entry over) or the cancel does (the OR returns CANCELLED).
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>{@code deadline}, {@code task}: written by the scheduling thread before the entry is
 *       pushed; afterwards {@code deadline} is the wheel owner's (it moves an overdue entry to
 *       the next tick), and {@code task} is cleared by whoever wins the CAS out of PENDING.</li>
 *   <li>{@code prev}, {@code next}: the wheel owner's bucket links; before the entry is drained,
 *       {@code next} is its link in the incoming stack (written by the scheduling thread).</li>
 *   <li>{@code depth}: written by the pushing thread (scheduler, then canceller) before each
 *       push, read after a volatile read of that stack's head.</li>
 *   <li>{@code nextCancelled}: written by the thread whose {@link #cancel()} won, before it
 *       pushes the entry onto the cancelled stack; cleared by the wheel owner.</li>
 *   <li>{@code state}: CAS from any thread, only out of PENDING.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * Plain fields are published by the stack pushes (a CAS on the wheel's stack head) and read by
 * the owner after its get-and-set of that head. {@code task} is read only by the one thread that
 * won the state CAS, so clearing it needs no ordering.
 */
final class TimerEntry implements Cancellable {
    static final int PENDING = 0;
    static final int CANCELLED = 1;
    /** Taken by the wheel: the action was run or abandoned. */
    static final int FIRED = 2;
    /** The state bits; above them, flags. */
    private static final int STATE_MASK = 3;
    /** Flag: the timer thread took the entry in from the incoming stack. */
    static final int IN_WHEEL = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TimerEntry.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The wheel to hand the entry to on cancel; null only for the wheel's sentinel. */
    private final TimingWheel wheel;
    /** Absolute tick (ticks since the wheel started) at or after which the action is due. */
    long deadline;
    /** The action; null once the entry has left PENDING. */
    Task task;
    TimerEntry prev;
    TimerEntry next;
    TimerEntry nextCancelled;
    /**
     * How many entries the stack this entry was last pushed on held with this one on top: first
     * the incoming stack (written by the scheduling thread before the push; the wheel uses it to
     * take in a long backlog early, see {@link TimingWheel#TIDY_EVERY}), then, if it is
     * cancelled in the wheel, the cancelled stack (written by the cancelling thread before that
     * push; {@link TimingWheel#pendingCount()} uses it). The two uses never overlap: a scheduler
     * reads the depth of the incoming head only while that head is still in the incoming stack
     * (else its CAS fails and it reads again), and an entry reaches the cancelled stack only
     * after the timer thread has taken it out of the incoming stack.
     */
    int depth;
    private volatile int state;

    TimerEntry(TimingWheel wheel, long deadline, Task task) {
        this.wheel = wheel;
        this.deadline = deadline;
        this.task = task;
    }

    /**
     * Cancels the timer if it is still pending: its action will neither run nor be abandoned.
     * Lock-free; the entry is unlinked from the wheel by the timer thread on its next pass.
     *
     * @return {@code true} for the one call that moved the entry out of PENDING
     */
    @Override
    public boolean cancel() {
        int s = (int) STATE.getVolatile(this);
        while ((s & STATE_MASK) == PENDING) {
            int witness = (int) STATE.compareAndExchange(this, s, s | CANCELLED);
            if (witness == s) {
                task = null; // only the CAS winner touches task from here on
                wheel.cancelled(this, (s & IN_WHEEL) != 0);
                return true;
            }
            s = witness; // the timer thread took it in meanwhile, or someone else ended it
        }
        return false;
    }

    /**
     * Timer thread: marks the entry as taken in from the incoming stack.
     *
     * @return whether it is still PENDING (link it); otherwise it was cancelled (drop it)
     */
    boolean takeIn() {
        return ((int) STATE.getAndBitwiseOr(this, IN_WHEEL) & STATE_MASK) == PENDING;
    }

    /**
     * Takes the action for running or abandoning: moves PENDING to FIRED.
     *
     * @return the action, or {@code null} if the entry was cancelled (or already taken)
     */
    Task claim() {
        int s = (int) STATE.getVolatile(this);
        while ((s & STATE_MASK) == PENDING) {
            int witness = (int) STATE.compareAndExchange(this, s, s | FIRED);
            if (witness == s) {
                Task t = task;
                task = null;
                return t;
            }
            s = witness;
        }
        return null;
    }

    /** For {@link TimingWheel#pendingCount()}: not taken in yet and still pending. */
    boolean isPendingInIncoming() {
        return (int) STATE.getOpaque(this) == PENDING;
    }

    boolean isCancelled() {
        return ((int) STATE.getVolatile(this) & STATE_MASK) == CANCELLED;
    }

    @Override
    public String toString() {
        int s = (int) STATE.getVolatile(this) & STATE_MASK;
        String name = s == PENDING ? "PENDING" : s == CANCELLED ? "CANCELLED" : "FIRED";
        return "TimerEntry[deadlineTick=" + deadline + ", " + name + "]";
    }
}
