package dev.kabuki.remote;

import java.net.InetSocketAddress;
import org.agrona.DirectBuffer;

/**
 * What the remote layer needs from a messaging engine: one inbound endpoint, links to peers,
 * and two streams per link, control and ordinary, so that a large user message never delays a
 * heartbeat or an acknowledgement. {@link AeronTransport} is the implementation over Aeron UDP;
 * tests may put a lossy in-memory one in its place.
 *
 * <p>Frames are delivered whole (the transport reassembles fragments) and in order per link and
 * stream; they may be lost when a link breaks. Not thread-safe: every method belongs to the
 * remote layer's one transport thread.
 */
interface Transport extends AutoCloseable {
    /** Where peers reach this transport (the bound host, the port resolved if 0 was asked). */
    InetSocketAddress localAddress();

    /** Opens a link to a peer's transport (idempotence is the caller's: one per peer). */
    Link link(String host, int port);

    /**
     * Reads what has arrived on both streams, at most about {@code limit} fragments, handing
     * each whole frame to {@code handler}; returns the fragments read (0: nothing arrived).
     */
    int poll(FrameHandler handler, int limit);

    /**
     * The engine's signal that it did work (frames may have arrived), so the polling thread can
     * park long and be woken instead of polling on a short timer; null when the engine gives no
     * such signal (then a frame waits for the poller's next timed poll).
     */
    default TransportActivity activity() {
        return null;
    }

    /** Closes every link and the endpoint and releases what the engine holds (files, threads). */
    @Override
    void close();

    /** A link to one peer. */
    interface Link {
        /**
         * Sends one frame on the control or the ordinary stream: {@link Offer#SENT}, or why not.
         * Never blocks.
         */
        Offer offer(boolean control, DirectBuffer buffer, int offset, int length);

        /** Whether the peer is receiving on both streams (frames offered now can arrive). */
        boolean isConnected();

        /** The largest frame the given stream takes. */
        int maxFrameLength(boolean control);

        /** Closes the link; later offers return {@link Offer#CLOSED}. */
        void close();
    }

    /** The outcome of {@link Link#offer}. */
    enum Offer {
        /** Handed to the engine. */
        SENT,
        /** The peer's receive window or the send buffer is full: try again later. */
        BACK_PRESSURED,
        /** No peer is receiving yet (or any more): try again later, or give up at the caller's timeout. */
        NOT_CONNECTED,
        /** The link is closed. */
        CLOSED
    }

    /** Receives whole inbound frames. */
    @FunctionalInterface
    interface FrameHandler {
        /**
         * One frame; {@code buffer} is valid only during the call.
         *
         * @param control   whether it came on the control stream
         * @param sessionId the sending link's session (one per link and stream, new after a
         *                  peer restarts)
         */
        void onFrame(boolean control, DirectBuffer buffer, int offset, int length, int sessionId);
    }
}
