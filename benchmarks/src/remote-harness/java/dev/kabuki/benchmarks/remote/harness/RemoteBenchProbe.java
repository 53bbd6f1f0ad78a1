package dev.kabuki.benchmarks.remote.harness;

import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a running workload reports: round trips with their latency (R1) or acknowledged messages
 * (R2). Written by the side's one client actor, read by the harness thread at iteration
 * boundaries: the {@link Recorder} is HdrHistogram's single-writer/reader interval recorder, and the
 * count is an {@link AtomicLong} so the harness reads a value at least as new as each boundary.
 */
public final class RemoteBenchProbe {
    private final Recorder latencyNanos = new Recorder(3);
    private final AtomicLong done = new AtomicLong();

    /** A round trip whose ping was sent at {@code sentNanos} ({@link System#nanoTime}) completed. */
    public void roundTrip(long sentNanos) {
        latencyNanos.recordValue(Math.max(0, System.nanoTime() - sentNanos));
        done.incrementAndGet();
    }

    /** {@code messages} one-way messages were acknowledged by the server. */
    public void acked(int messages) {
        done.addAndGet(messages);
    }

    long done() {
        return done.get();
    }

    /** The latencies recorded since the previous call (nanoseconds). */
    Histogram takeInterval() {
        return latencyNanos.getIntervalHistogram();
    }
}
