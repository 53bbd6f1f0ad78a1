package dev.kabuki.remote;

import java.time.Duration;

/**
 * This node's relation to one peer node address: the handshake state of the peer's current
 * incarnation, its failure detector, the reliable system-message state, and the bounded queue
 * of user frames waiting to go to it.
 *
 * <h2>States of the outbound side</h2>
 * <pre>
 *   IDLE --(a frame to send, or the peer's handshake request)--> HANDSHAKING
 *   HANDSHAKING --(the peer's response to our request)--> ACTIVE
 *   HANDSHAKING --(no response within the handshake timeout)--> FAILED (queued frames dropped)
 *   FAILED --(backoff over and a frame to send)--> HANDSHAKING
 *   ACTIVE --(the incarnation quarantined: unreachable, left, restarted)--> IDLE
 * </pre>
 * The inbound side needs no state of its own: a peer's frames are accepted once its handshake
 * request proved it holds the cookie ({@link #inboundUid}).
 *
 * <p>Thread-safety: {@link #queue} takes frames from any thread; everything else belongs to the
 * agent thread. {@link #state} is volatile so that senders and metrics read a recent value.
 */
final class Association {
    enum State { IDLE, HANDSHAKING, ACTIVE, FAILED }

    static final long HANDSHAKE_RETRY_NANOS = Duration.ofSeconds(1).toNanos();
    static final long FIRST_BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();
    static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(10).toNanos();

    final NodeAddress address;
    /** User frames waiting for the link; any thread offers, the agent drains. */
    final OutboundQueue queue;

    volatile State state = State.IDLE;
    /** The incarnation our handshake reached (ACTIVE), or 0. */
    long remoteUid;
    /** The incarnation whose handshake request we accepted (its frames are let in), or 0. */
    long inboundUid;
    Transport.Link link;

    long handshakeNonce;
    long handshakeStartedNanos;
    long lastRequestNanos;
    long backoffNanos = FIRST_BACKOFF_NANOS;
    long failedAtNanos;
    /** Keep (re)connecting while idle or failed, even with nothing to send: a seed node. */
    boolean keepConnected;

    PhiAccrualFailureDetector detector;
    long lastHeartbeatNanos;
    long heartbeatCounter;
    long lastCheckNanos;
    SystemMessageDelivery.Sender<ControlCodec.SystemFrame> systemOut;
    SystemMessageDelivery.Receiver systemIn;
    /**
     * System messages not yet numbered, in order: the first may be a termination notice waiting
     * for {@link #flushId}'s acknowledgement (see {@code RemoteAgent.releaseHeld}).
     */
    final java.util.ArrayDeque<ControlCodec.SystemFrame> heldSystem = new java.util.ArrayDeque<>();
    /** The flush the head of {@link #heldSystem} waits for; 0 when none is outstanding. */
    long flushId;
    /** Whether the flush frame has gone into {@link #queue} (it may have found the queue full). */
    boolean flushQueued;
    long flushDeadlineNanos;
    /** The head of {@link #heldSystem} has been flushed for (acknowledged or timed out). */
    boolean headFlushed;

    Association(NodeAddress address, int queueBytes) {
        this.address = address;
        this.queue = new OutboundQueue(queueBytes);
    }

    @Override
    public String toString() {
        return address + " (" + state + (remoteUid != 0 ? ", uid " + remoteUid : "") + ")";
    }
}
