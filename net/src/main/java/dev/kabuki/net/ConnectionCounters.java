package dev.kabuki.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link TcpServerMetrics}; updated from loop and handler threads. */
final class ConnectionCounters {
    final AtomicInteger open = new AtomicInteger();
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder framesIn = new LongAdder();
    final LongAdder framesOut = new LongAdder();
    private final EnumMap<CloseReason.Kind, LongAdder> closed = new EnumMap<>(CloseReason.Kind.class);

    ConnectionCounters() {
        for (CloseReason.Kind k : CloseReason.Kind.values()) {
            closed.put(k, new LongAdder()); // filled once, then only read: safe to share
        }
    }

    void closed(CloseReason.Kind kind) {
        closed.get(kind).increment();
    }

    TcpServerMetrics snapshot() {
        Map<CloseReason.Kind, Long> byReason = new EnumMap<>(CloseReason.Kind.class);
        closed.forEach((k, v) -> byReason.put(k, v.sum()));
        return new TcpServerMetrics(open.get(), accepted.sum(), rejected.sum(), bytesIn.sum(), bytesOut.sum(),
                framesIn.sum(), framesOut.sum(), byReason);
    }
}
