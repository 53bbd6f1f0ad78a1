package dev.kabuki.remote;

import java.util.function.LongSupplier;

/**
 * A phi accrual failure detector for one peer node (Hayashibara et al., "The φ accrual failure
 * detector", 2004; the detector Pekko and Cassandra use): instead of a yes/no timeout it gives
 * a suspicion level φ that grows the longer the next heartbeat is overdue, measured against the
 * intervals seen so far. φ = 1 means about a 10% chance that the node is still alive and the
 * heartbeat merely late, φ = 2 about 1%, φ = 10 about 1e-10 %. The node counts as down once φ
 * reaches {@link FailureDetectorSettings#threshold()}.
 *
 * <h2>Model</h2>
 * Heartbeat intervals are taken as normally distributed with the mean and standard deviation of
 * the last {@link FailureDetectorSettings#maxSampleSize()} intervals. Two settings make the
 * estimate tolerant of a healthy but bursty network: the standard deviation is never below
 * {@link FailureDetectorSettings#minStdDeviation()} (a very regular history would otherwise
 * turn a few milliseconds of jitter into a high φ), and
 * {@link FailureDetectorSettings#acceptableHeartbeatPause()} is added to the mean (a garbage
 * collection pause or a heartbeat stuck behind other traffic of up to that long is not a
 * failure). φ of an elapsed time {@code t} is {@code -log10(P(interval > t))}, with the normal
 * tail approximated by a logistic function (accurate to about 1e-4 here, and cheap).
 *
 * <p>Before the second heartbeat there is no interval to learn from: the history starts as two
 * samples around {@link FailureDetectorSettings#heartbeatInterval()} (mean the interval,
 * deviation a quarter of it). The interval that ends a suspicion (a heartbeat arriving while φ
 * is at or above the threshold) is not recorded: one long outage must not teach the detector
 * that long gaps are normal.
 *
 * <p>Not thread-safe: one detector belongs to the remote transport's agent thread, which both
 * records heartbeats and asks for φ. Time comes from the injected clock (nanoseconds, any
 * origin), so tests drive it by hand.
 */
final class PhiAccrualFailureDetector {
    private final FailureDetectorSettings settings;
    private final LongSupplier nanoClock;
    /** The last intervals in nanoseconds, a ring of maxSampleSize. */
    private final long[] intervals;
    private int size;
    private int next;
    /** Sum and sum of squares of the intervals in the ring, in milliseconds (doubles). */
    private double sumMillis;
    private double sumSquaresMillis;
    /** Clock reading of the last heartbeat; valid once {@link #started} is true. */
    private long lastHeartbeat;
    private boolean started;

    PhiAccrualFailureDetector(FailureDetectorSettings settings, LongSupplier nanoClock) {
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.intervals = new long[settings.maxSampleSize()];
        long first = settings.heartbeatInterval().toNanos();
        long deviation = first / 4;
        record(first - deviation);
        record(first + deviation);
    }

    /** Clock reading of the last heartbeat recorded. */
    long lastHeartbeatNanos() {
        return lastHeartbeat;
    }

    /** Records a heartbeat (any message from the node counts) at the clock's now. */
    void heartbeat() {
        long now = nanoClock.getAsLong();
        if (started) {
            long interval = now - lastHeartbeat;
            if (phi(now) < settings.threshold()) {
                record(interval);
            }
        }
        lastHeartbeat = now;
        started = true;
    }

    /**
     * Whether the node counts as alive: φ below the threshold. Before the first heartbeat the
     * node is alive (nothing is known against it; the handshake has its own timeout).
     */
    boolean isAvailable() {
        return phi() < settings.threshold();
    }

    /** φ now; 0 before the first heartbeat. */
    double phi() {
        return phi(nanoClock.getAsLong());
    }

    private double phi(long now) {
        if (!started) {
            return 0.0;
        }
        double elapsedMillis = (now - lastHeartbeat) / 1e6;
        double mean = sumMillis / size;
        double variance = Math.max(0.0, sumSquaresMillis / size - mean * mean);
        double minDeviation = settings.minStdDeviation().toNanos() / 1e6;
        double deviation = Math.max(Math.sqrt(variance), minDeviation);
        return phi(elapsedMillis, mean + settings.acceptableHeartbeatPause().toNanos() / 1e6, deviation);
    }

    /**
     * {@code -log10} of the probability that a normal variable of this mean and deviation
     * exceeds {@code elapsed}, through the logistic approximation of the normal CDF
     * {@code F(y) ≈ 1 / (1 + e^(-y (1.5976 + 0.070566 y²)))}. The two branches keep the
     * computation away from {@code 1 - (a number close to 1)} in either tail.
     */
    static double phi(double elapsed, double mean, double deviation) {
        double y = (elapsed - mean) / deviation;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        if (elapsed > mean) {
            return -Math.log10(e / (1.0 + e));
        }
        return -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    private void record(long intervalNanos) {
        double millis = intervalNanos / 1e6;
        if (size == intervals.length) {
            double old = intervals[next] / 1e6;
            sumMillis -= old;
            sumSquaresMillis -= old * old;
        } else {
            size++;
        }
        intervals[next] = intervalNanos;
        next = (next + 1) % intervals.length;
        sumMillis += millis;
        sumSquaresMillis += millis * millis;
        if (next == 0) {
            resum(); // once per lap: rounding errors of the running sums never accumulate
        }
    }

    private void resum() {
        double s = 0.0;
        double sq = 0.0;
        for (int i = 0; i < size; i++) {
            double m = intervals[i] / 1e6;
            s += m;
            sq += m * m;
        }
        sumMillis = s;
        sumSquaresMillis = sq;
    }
}
