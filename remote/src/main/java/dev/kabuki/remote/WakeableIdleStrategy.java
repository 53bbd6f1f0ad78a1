package dev.kabuki.remote;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategy of a polling thread that other threads can hand work to: Agrona's backoff
 * shape (spin, then yield, then park from 1 µs doubling to 1 ms, so an idle node costs a few
 * percent of a core), plus {@link #wake()}, which ends a park at once when work was queued for
 * the thread. Used by the remote thread (woken by senders) and the embedded media driver's
 * thread (woken by the remote thread after it offered a frame), so that a message sent to an
 * idle node's peer leaves at once instead of after the rest of a park.
 *
 * <p>Invariant: work queued before {@link #wake()} is seen by the owner within one duty cycle,
 * or within one park at most when no {@code pending} check is given. The owner writes
 * {@code parked = true} (volatile), then re-checks {@code pending}, then parks; a producer
 * queues its work (a volatile write in the queue), then reads {@code parked}. Volatile accesses
 * are sequentially consistent, so either the owner's re-check sees the work or the producer sees
 * {@code parked} and unparks it (a Dekker pair). An unpark that comes before the park makes the
 * park return at once ({@link LockSupport}'s permit), so no wake is lost either way.
 *
 * <p>{@link #idle} and {@link #reset} on the owner thread only; {@link #wake} from any thread,
 * never blocking, and costing a volatile read when the owner is not parked.
 */
final class WakeableIdleStrategy implements IdleStrategy {
    private static final int MAX_SPINS = 10;
    private static final int MAX_YIELDS = 20;
    private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final BooleanSupplier pending;
    private final Runnable afterWork;
    private final long minParkNanos;
    private final long maxParkNanos;
    private volatile Thread owner;
    private volatile boolean parked;
    private int spins;
    private int yields;
    private long parkNanos;

    /**
     * @param pending whether work is queued for the owner (checked after announcing a park);
     *                null when the owner's queues cannot be checked from here (a wake may then
     *                come one park late)
     */
    WakeableIdleStrategy(BooleanSupplier pending) {
        this(pending, MIN_PARK_NANOS, MAX_PARK_NANOS);
    }

    /** With other park bounds (tests park for hours, so that a lost wake-up hangs them). */
    WakeableIdleStrategy(BooleanSupplier pending, long minParkNanos, long maxParkNanos) {
        this(pending, null, minParkNanos, maxParkNanos);
    }

    /**
     * @param afterWork called by the owner after each duty cycle that did work, before resetting
     *                  the backoff (the embedded driver's {@link TransportActivity#worked}); null
     *                  for none
     */
    WakeableIdleStrategy(BooleanSupplier pending, Runnable afterWork, long minParkNanos, long maxParkNanos) {
        if (minParkNanos <= 0 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("park bounds must be 0 < min <= max, got " + minParkNanos
                    + " and " + maxParkNanos + " ns");
        }
        this.pending = pending;
        this.afterWork = afterWork;
        this.minParkNanos = minParkNanos;
        this.maxParkNanos = maxParkNanos;
        this.parkNanos = minParkNanos;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            if (afterWork != null) {
                afterWork.run();
            }
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (spins < MAX_SPINS) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < MAX_YIELDS) {
            yields++;
            Thread.yield();
        } else {
            if (owner == null) {
                owner = Thread.currentThread();
            }
            if (announcePark()) {
                LockSupport.parkNanos(this, parkNanos);
            }
            parked = false;
            parkNanos = Math.min(parkNanos << 1, maxParkNanos);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = minParkNanos;
    }

    /**
     * The owner's half of the wake-up protocol: announces the park, then re-checks for work.
     * Returns whether to park (nothing pending). Owner thread.
     */
    boolean announcePark() {
        parked = true;
        return pending == null || !pending.getAsBoolean();
    }

    /** The producer's half: whether the owner is parked (or announced it), so needs a wake. */
    boolean parkAnnounced() {
        return parked;
    }

    /** Ends the owner's park if it is parked (or about to park). Any thread. */
    void wake() {
        if (parked) {
            Thread t = owner;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    @Override
    public String alias() {
        return "wakeable-backoff";
    }
}
