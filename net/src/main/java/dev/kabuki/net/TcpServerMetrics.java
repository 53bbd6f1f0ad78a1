package dev.kabuki.net;

import java.util.Map;

/**
 * A snapshot of a {@link TcpServer}'s counters since it was bound. Each counter is read
 * separately while connections go on, so the sums are not one atomic instant.
 *
 * @param open           connections open now
 * @param accepted       connections accepted and handed to a handler
 * @param rejected       connections accepted and closed at once because
 *                       {@link TcpOptions#maxConnections()} were open, or because the actor
 *                       system was shutting down (its handlers could not start)
 * @param bytesIn        bytes read from sockets
 * @param bytesOut       bytes written to sockets
 * @param framesIn       frames decoded and delivered to handlers
 * @param framesOut      frames queued for writing
 * @param closedByReason connections closed, by what closed them (every kind present, zeros included)
 */
public record TcpServerMetrics(int open, long accepted, long rejected, long bytesIn, long bytesOut,
                               long framesIn, long framesOut, Map<CloseReason.Kind, Long> closedByReason) {

    /** Copies the map (an unmodifiable snapshot). */
    public TcpServerMetrics {
        closedByReason = Map.copyOf(closedByReason);
    }

    /** Connections closed for the given reason. */
    public long closed(CloseReason.Kind kind) {
        return closedByReason.getOrDefault(kind, 0L);
    }

    /** Connections closed for any reason. */
    public long closedTotal() {
        return closedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
}
