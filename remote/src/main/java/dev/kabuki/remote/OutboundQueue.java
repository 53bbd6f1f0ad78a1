package dev.kabuki.remote;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One peer's bounded queue of serialized outbound frames: any thread adds a frame (the sender
 * serializes on its own thread), the transport thread moves them to the peer's link in order.
 *
 * <h2>Mechanism</h2>
 * An Agrona {@link ManyToOneRingBuffer}: a sender claims space with one atomic add on the
 * ring's tail and copies its frame in; the one reader walks records in claim order. Its
 * bound is in bytes, so memory stays fixed whatever the message sizes: when a frame does not
 * fit, {@link #offer} returns false at once (the caller's {@code tryTell} says so, {@code tell}
 * sends the message to dead letters) and no sender ever waits.
 *
 * <h2>Order and memory ordering</h2>
 * Frames leave in the order their space was claimed; a sender that offers A and then B (one
 * thread, program order) claims A's space first, so A leaves first: FIFO per sender, which is
 * what {@code tell}'s per-pair ordering needs. The ring publishes each record with a release
 * store of its length after the copy, and the reader reads the length with an acquire load,
 * so the reader never sees a partly written frame. A frame the link refuses (back pressure, not
 * yet connected) stays in the ring, unconsumed, and the next {@link #drainTo} starts with it.
 *
 * <p>{@link #offer} is thread-safe and lock-free; {@link #drainTo} and {@link #discard} belong
 * to the transport thread alone.
 */
final class OutboundQueue {
    private static final int FRAME = 1;

    private final ManyToOneRingBuffer ring;
    private final ControlledMessageHandler sender = this::sendOne;
    private Transport.Link link;
    private boolean control;
    private long destinationUid;
    private int sent;
    private long discarded;

    /** @param capacityBytes a power of two, at least 1 KiB; frames up to an eighth of it */
    OutboundQueue(int capacityBytes) {
        if (capacityBytes < 1024 || Integer.bitCount(capacityBytes) != 1) {
            throw new IllegalArgumentException("outbound queue capacity must be a power of two of at least 1024, got "
                    + capacityBytes);
        }
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** The largest frame {@link #offer} takes. */
    int maxFrameLength() {
        return ring.maxMsgLength();
    }

    /**
     * Queues one frame; false if it does not fit now (the queue is full). Any thread; never
     * blocks.
     *
     * @throws IllegalArgumentException the frame is longer than {@link #maxFrameLength()}
     */
    boolean offer(DirectBuffer frame, int offset, int length) {
        return ring.write(FRAME, frame, offset, length);
    }

    /**
     * Hands queued frames to {@code link} on the given stream, in order, until the link pushes
     * back, the queue is empty, or {@code limit} frames have gone; returns how many went. Each
     * frame's destination uid is set to {@code destinationUid} as it leaves (senders queue frames
     * before the peer's incarnation is known). Transport thread only.
     */
    int drainTo(Transport.Link link, boolean onControl, int limit, long destinationUid) {
        this.link = link;
        this.destinationUid = destinationUid;
        this.control = onControl;
        this.sent = 0;
        ring.controlledRead(sender, limit);
        return sent;
    }

    private ControlledMessageHandler.Action sendOne(int type, MutableDirectBuffer buffer, int index, int length) {
        if (length >= FrameHeader.LENGTH) {
            buffer.putLong(index + FrameHeader.DESTINATION_UID_OFFSET, destinationUid, FrameHeader.ORDER);
        }
        if (link.offer(control, buffer, index, length) == Transport.Offer.SENT) {
            sent++;
            return ControlledMessageHandler.Action.CONTINUE;
        }
        return ControlledMessageHandler.Action.ABORT; // stays queued; the next drain starts here
    }

    /** Drops every queued frame (the peer is quarantined); returns how many. Transport thread only. */
    int discard() {
        int n = ring.read((type, buffer, index, length) -> { }, Integer.MAX_VALUE);
        discarded += n;
        return n;
    }

    /** Frames dropped by {@link #discard} so far. */
    long discardedCount() {
        return discarded;
    }

    /** Bytes queued, records and their headers (approximate while senders write). */
    int queuedBytes() {
        return ring.size();
    }
}
