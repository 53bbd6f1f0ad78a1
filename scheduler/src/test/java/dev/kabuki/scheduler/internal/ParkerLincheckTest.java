package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Model checks the {@link Parker} handshake: an unpark that happens before or during a park is
 * never lost (the park returns), and a park returns only after some unpark.
 *
 * <p><b>What Lincheck can and cannot see here.</b> Lincheck 3.7 lets a {@code LockSupport.park}
 * called from user code return spuriously at any point (its model checker allows spurious
 * wake-ups outside JDK internals), so in the model a parked owner never stays blocked: it keeps
 * re-checking the state word. The model-checked scenarios therefore check the state protocol
 * (a NOTIFIED is never overwritten or dropped, so the owner's loop would spin forever and
 * Lincheck reports a hang/livelock; park never returns without a notification, even after a
 * spurious wake-up), but not that {@code unpark()} calls {@code LockSupport.unpark} whenever the
 * owner is really blocked: an unpark that sets NOTIFIED and forgets to wake a PARKED owner
 * passes every model-checked scenario. That part is covered by a real-thread stress test,
 * {@link #unparkAlwaysWakesABlockedOwnerOnRealThreads}, where such a lost wake-up leaves the
 * owner blocked forever and trips a deadline.
 *
 * <p>Each scenario uses a parker the way the dispatcher does: the owner registers itself, then
 * parks until it sees the work that a notifier published before its unpark.
 */
class ParkerLincheckTest {

    private static final int INVOCATIONS = 2_000;

    /** Work flags a notifier publishes before it unparks; the owner reads them after park. */
    static final class Work {
        volatile boolean first;
        volatile boolean second;
        /** What the owner saw right after its park returned. */
        boolean firstSeenAfterPark;
    }

    // Fails (hangs) if the notification of an unpark that lands before the owner parks, between
    // its two CASes, or while it is parked, can be lost from the state word: e.g. park
    // announcing PARKED with a plain store (overwriting a NOTIFIED that came in between), or
    // unpark only notifying an owner that is already PARKED.
    @Test
    void unparkRacingParkIsNeverLost() {
        check(INVOCATIONS, () -> {
            Parker parker = new Parker();
            Thread owner = fork(() -> {
                parker.setOwner(Thread.currentThread());
                parker.park();
            });
            Thread notifier = fork(parker::unpark);
            joinAll(owner, notifier);
        });
    }

    // Fails if park() can return before any unpark (e.g. park treating EMPTY as a pending
    // notification, or returning after a spurious LockSupport.park wake-up without a CAS from
    // NOTIFIED), which would spin a worker instead of sleeping it.
    @Test
    void parkReturnsOnlyAfterAnUnpark() {
        check(INVOCATIONS, () -> {
            Parker parker = new Parker();
            Work work = new Work();
            Thread owner = fork(() -> {
                parker.setOwner(Thread.currentThread());
                parker.park();
                work.firstSeenAfterPark = work.first;
            });
            Thread notifier = fork(() -> {
                work.first = true;
                parker.unpark();
            });
            joinAll(owner, notifier);
            if (!work.firstSeenAfterPark) {
                throw new AssertionError("park() returned before the only unpark() was called");
            }
        });
    }

    // Fails (hangs) if park can discard a notification that arrived after the owner last looked
    // for work (e.g. park clearing a "stale" NOTIFIED before it announces PARKED), with two
    // notifiers racing the owner's park-until-both-arrived loop, as workers are woken.
    @Test
    void twoNotifiersNeverLoseAWakeup() {
        check(INVOCATIONS, () -> {
            Parker parker = new Parker();
            Work work = new Work();
            Thread owner = fork(() -> {
                parker.setOwner(Thread.currentThread());
                while (!(work.first && work.second)) {
                    parker.park();
                }
            });
            Thread notifier1 = fork(() -> {
                work.first = true;
                parker.unpark();
            });
            Thread notifier2 = fork(() -> {
                work.second = true;
                parker.unpark();
            });
            joinAll(owner, notifier1, notifier2);
        });
    }

    // Fails if parkNanos can leave the parker announcing PARKED after it returns, so that the
    // next park() returns at once without any unpark (or, hanging, if a notification that
    // arrives after the owner re-checked for work is dropped by the timed park's reset).
    @Test
    void parkAfterTimedParkWaitsForAnUnpark() {
        check(INVOCATIONS, () -> {
            Parker parker = new Parker();
            Work work = new Work();
            Thread owner = fork(() -> {
                parker.setOwner(Thread.currentThread());
                parker.parkNanos(1_000_000L);
                if (!work.first) {
                    parker.park();
                    work.firstSeenAfterPark = work.first;
                } else {
                    work.firstSeenAfterPark = true;
                }
            });
            Thread notifier = fork(() -> {
                work.first = true;
                parker.unpark();
            });
            joinAll(owner, notifier);
            if (!work.firstSeenAfterPark) {
                throw new AssertionError("park() after a timed park returned before any unpark()");
            }
        });
    }

    // Fails (deadline) if an unpark that finds the owner PARKED, or racing its way into
    // LockSupport.park, does not call LockSupport.unpark: e.g. unpark reading the state and
    // then writing NOTIFIED non-atomically, so that the owner parks in between and is never
    // woken. Lincheck cannot see this (see the class note), so this runs on real threads: a
    // notifier and the owner play ping-pong for a fixed number of rounds; each round the owner
    // parks until the round is published, then acknowledges. A lost wake-up leaves the owner
    // blocked with the round published, and no acknowledgement comes for STALL_NANOS.
    @Test
    void unparkAlwaysWakesABlockedOwnerOnRealThreads() {
        final long rounds = 500_000;
        final long stallNanos = TimeUnit.SECONDS.toNanos(10);
        Parker parker = new Parker();
        AtomicLong published = new AtomicLong();
        AtomicLong acknowledged = new AtomicLong();
        Thread owner = new Thread(() -> {
            for (long round = 1; round <= rounds; round++) {
                while (published.get() < round) {
                    parker.park();
                }
                acknowledged.set(round);
            }
        }, "parker-owner");
        owner.setDaemon(true);
        parker.setOwner(owner);
        owner.start();
        for (long round = 1; round <= rounds; round++) {
            published.set(round);
            parker.unpark();
            long since = System.nanoTime();
            while (acknowledged.get() < round) {
                if (System.nanoTime() - since > stallNanos) {
                    Thread.State state = owner.getState();
                    LockSupport.unpark(owner); // let the owner finish; the test has failed anyway
                    throw new AssertionError("lost wake-up in round " + round + " of " + rounds
                            + ": the owner is " + state + " although the round was published"
                            + " and unpark() returned");
                }
                Thread.onSpinWait();
            }
        }
        LincheckScenario.joinAll(owner);
        if (acknowledged.get() != rounds) {
            throw new AssertionError("owner acknowledged " + acknowledged.get() + " of " + rounds);
        }
    }
}
