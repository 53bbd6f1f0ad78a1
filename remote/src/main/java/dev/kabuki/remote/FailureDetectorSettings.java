package dev.kabuki.remote;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of the failure detector kept for every peer node (a phi accrual detector, see
 * docs/remote.md): heartbeats are sent every {@code heartbeatInterval}, and a node whose
 * suspicion level φ reaches {@code threshold} is marked down, which delivers {@code Terminated}
 * to every watcher of its actors and fails the asks still waiting on it.
 *
 * <p>The defaults, {@link #DEFAULT}, are Pekko's for remote death watch: threshold 10, 200
 * samples, minimum standard deviation 100 ms, acceptable heartbeat pause 10 s, heartbeat every
 * 1 s. With them a node whose heartbeats came regularly and then stop is marked down about
 * 11.6 s after its last heartbeat (mean 1 s + pause 10 s + 5.8 deviations of 100 ms); lower {@code acceptableHeartbeatPause} to detect sooner, at the price of false
 * alarms on long garbage-collection pauses or a congested network.
 *
 * <p>An immutable value; thread-safe.
 *
 * @param threshold                the φ at which a node counts as down; above 0
 * @param maxSampleSize            how many recent heartbeat intervals the estimate uses; at least 1
 * @param minStdDeviation          the least standard deviation assumed; positive
 * @param acceptableHeartbeatPause a pause that is not yet suspicious, added to the mean
 *                                 interval; zero or positive
 * @param heartbeatInterval        how often heartbeats are sent; also the first estimate of the
 *                                 interval; positive
 */
public record FailureDetectorSettings(double threshold, int maxSampleSize, Duration minStdDeviation,
                                      Duration acceptableHeartbeatPause, Duration heartbeatInterval) {
    /** Pekko's remote watch defaults: 10, 200, 100 ms, 10 s, 1 s. */
    public static final FailureDetectorSettings DEFAULT = new FailureDetectorSettings(10.0, 200,
            Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofSeconds(1));

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException a setting is out of range; the message names it
     * @throws NullPointerException     a duration is null
     */
    public FailureDetectorSettings {
        Objects.requireNonNull(minStdDeviation, "minStdDeviation");
        Objects.requireNonNull(acceptableHeartbeatPause, "acceptableHeartbeatPause");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        if (!(threshold > 0.0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a positive number, got " + threshold);
        }
        if (maxSampleSize < 1) {
            throw new IllegalArgumentException("maxSampleSize must be at least 1, got " + maxSampleSize);
        }
        if (minStdDeviation.isNegative() || minStdDeviation.isZero()) {
            throw new IllegalArgumentException("minStdDeviation must be positive, got " + minStdDeviation);
        }
        if (acceptableHeartbeatPause.isNegative()) {
            throw new IllegalArgumentException("acceptableHeartbeatPause must not be negative, got "
                    + acceptableHeartbeatPause);
        }
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeatInterval must be positive, got " + heartbeatInterval);
        }
    }

    /** A copy with another threshold. */
    public FailureDetectorSettings withThreshold(double value) {
        return new FailureDetectorSettings(value, maxSampleSize, minStdDeviation, acceptableHeartbeatPause,
                heartbeatInterval);
    }

    /** A copy with another acceptable heartbeat pause. */
    public FailureDetectorSettings withAcceptableHeartbeatPause(Duration value) {
        return new FailureDetectorSettings(threshold, maxSampleSize, minStdDeviation, value, heartbeatInterval);
    }

    /** A copy with another heartbeat interval. */
    public FailureDetectorSettings withHeartbeatInterval(Duration value) {
        return new FailureDetectorSettings(threshold, maxSampleSize, minStdDeviation, acceptableHeartbeatPause,
                value);
    }
}
