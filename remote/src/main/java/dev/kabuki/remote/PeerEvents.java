package dev.kabuki.remote;

import org.agrona.DirectBuffer;

/**
 * What the {@link RemoteAgent} tells the layer above it (the actors' side of remoting) about peer
 * nodes and what they sent. Called on the agent thread only; implementations must not block and
 * must not throw (the agent logs and goes on if one does).
 */
interface PeerEvents {
    /** A handshake with {@code node}'s incarnation {@code uid} completed: frames can flow both ways. */
    void nodeUp(NodeAddress node, long uid);

    /**
     * {@code node}'s incarnation {@code uid} is gone for good (quarantined): unreachable past
     * the failure detector's threshold, left, restarted as a new incarnation, or too far behind
     * on system messages. Nothing more will arrive from it nor be sent to it.
     */
    void nodeDown(NodeAddress node, long uid, String reason);

    /** A system message from {@code node}, delivered once and in the order it was sent. */
    void systemMessage(NodeAddress node, long uid, ControlCodec.SystemFrame frame);

    /**
     * A user frame (header included) from {@code node}; {@code buffer} is valid only during the
     * call.
     */
    void userFrame(NodeAddress node, long uid, DirectBuffer buffer, int offset, int length);

    /** {@code node} could not deliver the ask {@code askId}: no actor at its recipient path. */
    void noRecipient(NodeAddress node, long askId);
}
