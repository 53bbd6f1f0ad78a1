package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks and unparks one worker thread without lost wake-ups.
 *
 * <h2>State</h2>
 * {@code EMPTY} (running, no pending notification), {@code PARKED} (the owner is, or is about
 * to be, blocked in {@link LockSupport#park}), {@code PARKED_DRIVER} (the owner holds an
 * {@link IoPoller}'s lock and is, or is about to be, blocked in its {@link IoPoller#poll}),
 * {@code NOTIFIED} (a notification is pending).
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>{@link #park()} (owner only) consumes a pending NOTIFIED and returns at once; otherwise
 *       it CASes EMPTY→PARKED and parks until it can CAS NOTIFIED→EMPTY (spurious returns from
 *       {@code LockSupport.park} loop).</li>
 *   <li>{@link #unpark()} (any thread) swaps in NOTIFIED and, if it replaced PARKED, unparks the
 *       owner. An unpark that lands between the owner's CAS to PARKED and its call to
 *       {@code LockSupport.park} is not lost: LockSupport keeps the permit.</li>
 *   <li>{@link #parkDriver} (owner only, holding the poller's lock) consumes a pending NOTIFIED
 *       and returns at once; otherwise it CASes EMPTY→PARKED_DRIVER, polls once, and leaves
 *       with a swap to EMPTY (consuming a NOTIFIED that came meanwhile; the caller re-checks
 *       why it parked, as after a spurious return). {@link #unpark()} that replaced
 *       PARKED_DRIVER calls {@link IoPoller#wakeup()}. An unpark that lands between the CAS and
 *       the poll's blocking step is not lost: the poller's wakeup is sticky (the JDK
 *       {@code Selector.wakeup} contract: with no select in progress, the next select returns
 *       at once), and the poll blocks only in its first step (see {@link IoPoller}), so no
 *       earlier select of the same poll can consume it. A wakeup that lands after the owner left
 *       costs the next poll one early return, nothing more.</li>
 * </ol>
 * All transitions are volatile read-modify-writes, so the notifier's earlier writes (the task it
 * queued) happen before the woken owner's later reads.
 */
final class Parker {
    private static final int EMPTY = 0;
    private static final int PARKED = 1;
    private static final int NOTIFIED = 2;
    private static final int PARKED_DRIVER = 3;
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
    /**
     * The poller of the last {@link #parkDriver}. Written by the owner before its CAS to
     * PARKED_DRIVER (a volatile write); an unparker reads it only after its swap returned
     * PARKED_DRIVER (a volatile read of that write), so it sees this poller or a later one.
     */
    private IoPoller driver;

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

    /**
     * Parks by polling {@code poller} once (see the protocol above). Owner only; the caller holds
     * the poller's lock and re-checks, after the return, whether it should park again.
     */
    void parkDriver(IoPoller poller) {
        if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) {
            return;
        }
        driver = poller;
        if (!STATE.compareAndSet(this, EMPTY, PARKED_DRIVER)) {
            STATE.setVolatile(this, EMPTY);
            return;
        }
        try {
            Thread.interrupted(); // an interrupt makes every select return at once
            poller.poll(-1);
        } finally {
            STATE.getAndSet(this, EMPTY);
        }
    }

    void unpark() {
        int prev = (int) STATE.getAndSet(this, NOTIFIED);
        if (prev == PARKED) {
            LockSupport.unpark(owner);
        } else if (prev == PARKED_DRIVER) {
            driver.wakeup();
        }
    }
}
