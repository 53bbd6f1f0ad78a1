package dev.kabuki.remote;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A signal from the transport's engine threads (the embedded media driver's) to the thread that
 * polls the transport: "I did work, so there may be frames to read or room to offer". With it
 * the polling thread need not wake on a short timer to find out, and can park long when idle.
 *
 * <p>Invariant: work the engine did before {@link #worked()} is seen by the poller within one
 * duty cycle, never a park late. The engine finishes its work (frames written to the logs),
 * increments {@code count} (a full-fence atomic), then calls the listener, which reads the
 * poller's {@code parked} flag and unparks it if set. The poller writes {@code parked = true}
 * (volatile), then compares {@link #count()} with the value it read before its last poll. The
 * accesses are sequentially consistent, so either the poller sees the new count (and polls again
 * instead of parking) or the engine sees {@code parked} (and unparks it): the Dekker pair of
 * {@link WakeableIdleStrategy}.
 *
 * <p>{@link #worked()} from any engine thread (several with a dedicated driver); {@link #count()}
 * from any thread; {@link #listen} once, before the engine's threads can call {@link #worked()}
 * for a poller that parks (until then, work is counted and no one is woken).
 */
final class TransportActivity {
    private final AtomicLong count = new AtomicLong();
    private volatile Runnable listener;

    /** Sets what {@link #worked()} calls after counting: the poller's wake-up. */
    void listen(Runnable wake) {
        listener = wake;
    }

    /** An engine thread did work: counts it, then wakes the poller. Never blocks. */
    void worked() {
        count.incrementAndGet();
        Runnable l = listener;
        if (l != null) {
            l.run();
        }
    }

    /** How many times the engine reported work so far. */
    long count() {
        return count.get();
    }
}
