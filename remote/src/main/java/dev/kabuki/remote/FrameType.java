package dev.kabuki.remote;

/**
 * The kinds of frame of kabuki's remote protocol, with the stream each travels on: control
 * frames on the control stream (so a large user message never delays a heartbeat or an ack),
 * user messages on the ordinary stream.
 */
enum FrameType {
    /** Opens an association: who is asking, whom it dialled, its nonce, authenticated. */
    HANDSHAKE_REQUEST(1, true),
    /** Accepts a handshake request: the answering system's address and incarnation, authenticated. */
    HANDSHAKE_RESPONSE(2, true),
    /** The failure detector's beat, sent by the transport thread to every associated node. */
    HEARTBEAT(3, true),
    /** A system message (watch, unwatch, terminated) with its sequence number. */
    SYSTEM(4, true),
    /** Every system message up to a sequence number has arrived. */
    ACK(5, true),
    /** A gap: system messages up to a sequence number arrived, the next did not. */
    NACK(6, true),
    /** The sender has quarantined the receiver's incarnation: it will not talk to it again. */
    QUARANTINED(7, true),
    /** The sender is shutting down on purpose: not a failure. */
    LEAVING(8, true),
    /** An ask's recipient does not exist on the answering node: fail the ask now. */
    NO_RECIPIENT(9, true),
    /** A user message for an actor. */
    USER(10, false),
    /**
     * Behind the user messages queued before it, on the ordinary stream: the receiver answers
     * {@link #FLUSH_ACK} with the same number once it has handed all of them to their actors.
     */
    FLUSH(11, false),
    /** Everything the sender queued before its {@link #FLUSH} of this number has been received. */
    FLUSH_ACK(12, true);

    final byte code;
    /** Whether the frame travels on the control stream (else the ordinary one). */
    final boolean control;

    private static final FrameType[] BY_CODE = new FrameType[16];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    FrameType(int code, boolean control) {
        this.code = (byte) code;
        this.control = control;
    }

    /** The type of a code, or null if no type has it. */
    static FrameType of(byte code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
