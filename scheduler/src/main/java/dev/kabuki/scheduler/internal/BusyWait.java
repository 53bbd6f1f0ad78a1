package dev.kabuki.scheduler.internal;

/**
 * The back-off of a bounded busy-wait: what a spinning thread does between two looks at what it
 * waits for. Used by a worker searching for work before it parks ({@link WorkStealingDispatcher},
 * the builder's {@code busyWait}) and by {@link dev.kabuki.scheduler.JoinHandle#join()} before it parks.
 *
 * <p>Why spin at all: waking a parked thread costs a system call on the waker's side and, on a
 * virtual machine, often tens of microseconds until the woken vCPU runs. A request/response
 * between a caller and an actor (an ask) is much shorter than that, so a few microseconds of
 * spinning on both sides turns it from two wake-ups into two cache-line transfers.
 *
 * <p>Why this cadence:
 * <ul>
 *   <li>Not a {@link Thread#onSpinWait()} (x86 {@code PAUSE}) on every look: on a virtual
 *       machine, the hypervisor's pause-loop exiting takes a vCPU that executes {@code PAUSE}
 *       in a tight loop for a waiter on a descheduled lock holder and hands its time to another
 *       vCPU, so the spinner loses its CPU and the spin ends up slower than parking. One
 *       {@code PAUSE} every {@value #PAUSE_EVERY} looks keeps the spin polite to a hyper-thread
 *       sibling without looking like a spin lock.</li>
 *   <li>Without {@link Thread#yield()}, a spinner that shares its CPU with the thread it waits
 *       for burns its whole time slice while that thread cannot run. A yield every
 *       {@value #YIELD_EVERY} looks costs nothing when the CPU is otherwise free and hands it over
 *       when it is not.</li>
 * </ul>
 * The spin itself is always bounded by a deadline its caller checks; this class keeps no state.
 */
public final class BusyWait {
    /** Looks between two {@link Thread#onSpinWait()} calls (a power of two). */
    static final int PAUSE_EVERY = 8;
    /** Looks between two {@link Thread#yield()} calls (a power of two). */
    static final int YIELD_EVERY = 64;
    /** Looks between two reads of the clock (a power of two). */
    static final int CLOCK_EVERY = 16;
    /** How long {@link JoinHandle#join()} spins before it parks its thread. */
    static final long JOIN_SPIN_NANOS = 20_000L;

    private BusyWait() {
    }

    /** Backs off after look number {@code round} (counting from 1). */
    public static void pause(int round) {
        if ((round & (PAUSE_EVERY - 1)) == 0) {
            Thread.onSpinWait();
        }
        if ((round & (YIELD_EVERY - 1)) == 0) {
            Thread.yield();
        }
    }

    /** Whether look number {@code round} should check the clock against the deadline. */
    public static boolean checkClock(int round) {
        return (round & (CLOCK_EVERY - 1)) == 0;
    }
}
