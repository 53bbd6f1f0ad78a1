package dev.kabuki.remote;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the remote layer drops (bad frames, disallowed types, messages for a quarantined
 * node) and logs it without a storm: the first drop of each kind is logged at once, with its
 * detail; later ones are only counted, and at most one summary line per interval gives the
 * counts since the last line. A peer that sends a million bad frames costs two log lines a
 * minute, not a million (the lesson of Akka's quarantine log storms).
 *
 * <p>Not thread-safe: it belongs to the remote transport's thread. Counts are kept for the whole
 * life of the system ({@link #total}).
 */
final class DropLog {
    private static final Logger LOG = LoggerFactory.getLogger(DropLog.class);

    private final Consumer<String> sink;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    /** Per kind: drops since the last summary line. */
    private final Map<String, Long> pending = new LinkedHashMap<>();
    private final Map<String, Long> totals = new LinkedHashMap<>();
    private long lastSummary;

    DropLog(LongSupplier nanoClock, long intervalNanos) {
        this(LOG::warn, nanoClock, intervalNanos);
    }

    DropLog(Consumer<String> sink, LongSupplier nanoClock, long intervalNanos) {
        this.sink = sink;
        this.nanoClock = nanoClock;
        this.intervalNanos = intervalNanos;
        this.lastSummary = nanoClock.getAsLong();
    }

    /**
     * Records one drop of {@code kind} (a short, fixed text such as "frame from unknown
     * session"); {@code detail} (which peer, which type) is logged only for the first of its kind.
     */
    void dropped(String kind, String detail) {
        long before = totals.merge(kind, 1L, Long::sum) - 1;
        if (before == 0) {
            sink.accept("remote: dropped (" + kind + "): " + detail + "; further drops of this kind are counted"
                    + " and summarized at most once per " + intervalNanos / 1_000_000_000L + " s");
            return;
        }
        pending.merge(kind, 1L, Long::sum);
        summarizeIfDue();
    }

    /** Logs the summary line if one is due and anything is pending; the transport calls it on its ticks too. */
    void summarizeIfDue() {
        long now = nanoClock.getAsLong();
        if (pending.isEmpty() || now - lastSummary < intervalNanos) {
            return;
        }
        StringBuilder line = new StringBuilder("remote: dropped since the last summary:");
        pending.forEach((kind, n) -> line.append(' ').append(n).append(" x (").append(kind).append(')'));
        sink.accept(line.toString());
        pending.clear();
        lastSummary = now;
    }

    /** Drops of {@code kind} since the system started. */
    long total(String kind) {
        return totals.getOrDefault(kind, 0L);
    }
}
