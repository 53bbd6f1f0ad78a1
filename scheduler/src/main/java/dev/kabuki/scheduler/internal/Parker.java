package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks and unparks one worker thread without lost wake-ups.
 *
 * <h2>State</h2>
 * {@code EMPTY} (running, no pending notification), {@code PARKED} (the owner is, or is about
 * to be, blocked in {@link LockSupport#park}), {@code NOTIFIED} (a notification is pending).
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>{@link #park()} (owner only) consumes a pending NOTIFIED and returns at once; otherwise
 *       it CASes EMPTY→PARKED and parks until it can CAS NOTIFIED→EMPTY (spurious returns from
 *       {@code LockSupport.park} loop).</li>
 *   <li>{@link #unpark()} (any thread) swaps in NOTIFIED and, if it replaced PARKED, unparks the
 *       owner. An unpark that lands between the owner's CAS to PARKED and its call to
 *       {@code LockSupport.park} is not lost: LockSupport keeps the permit.</li>
 * </ol>
 * All transitions are volatile read-modify-writes, so the notifier's earlier writes (the task it
 * queued) happen before the woken owner's later reads.
 */
final class Parker {
    private static final int EMPTY = 0;
    private static final int PARKED = 1;
    private static final int NOTIFIED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Parker.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private volatile Thread owner;

    void setOwner(Thread owner) {
        this.owner = owner;
    }

    void park() {
        if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) {
            return;
        }
        if (!STATE.compareAndSet(this, EMPTY, PARKED)) {
            STATE.setVolatile(this, EMPTY); // it was NOTIFIED: consume it
            return;
        }
        for (;;) {
            Thread.interrupted(); // a stray interrupt must not turn park into a spin
            LockSupport.park(this);
            if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) {
                return;
            }
        }
    }

    /** Like {@link #park()} but returns after at most {@code nanos}. Owner only. */
    void parkNanos(long nanos) {
        if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) {
            return;
        }
        if (!STATE.compareAndSet(this, EMPTY, PARKED)) {
            STATE.setVolatile(this, EMPTY);
            return;
        }
        Thread.interrupted();
        LockSupport.parkNanos(this, nanos);
        // Leave PARKED whichever way we woke; a notification that came meanwhile is consumed.
        STATE.getAndSet(this, EMPTY);
    }

    void unpark() {
        if ((int) STATE.getAndSet(this, NOTIFIED) == PARKED) {
            LockSupport.unpark(owner);
        }
    }
}
