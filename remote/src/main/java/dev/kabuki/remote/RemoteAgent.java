package dev.kabuki.remote;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote layer's one thread of work: reads what the transport received, runs every peer's
 * handshake, heartbeats, failure detection, system-message redelivery and quarantine, and moves
 * queued user frames to the peers' links. Everything here happens in {@link #doWork()}, called
 * in a loop by the agent's thread (or step by step by a test, with a manual clock).
 *
 * <h2>Handshake</h2>
 * Each side dials the other: it sends a handshake request on the control stream (every second
 * until answered, for at most the handshake timeout), and the peer answers with a response
 * that covers the request's nonce. A node that receives a valid request (its MAC proves the
 * cookie) answers it, lets that incarnation's frames in, and starts its own handshake if it has
 * none under way, so both directions come up together. An association is ACTIVE once our own
 * request is answered: only then do user frames and heartbeats go out. A request whose MAC, target
 * address or message-type fingerprint does not match is dropped and logged once per kind.
 *
 * <h2>Failure detection and quarantine</h2>
 * Heartbeats go one way, on the control stream, every {@link FailureDetectorSettings#heartbeatInterval()}
 * to every ACTIVE peer, whatever the actors do; each feeds that peer's phi accrual detector. Once
 * a second the detector is asked; an unavailable peer's incarnation is quarantined. Quarantine is
 * final for an incarnation (its uid): its frames are dropped from then on, its queued frames are
 * dropped and counted, its system-message state is cleared, and {@link PeerEvents#nodeDown} is
 * told once, with one log line. A peer that restarts comes back as a new incarnation through a
 * new handshake, which quarantines the old one quietly (INFO, not WARN).
 *
 * <p>Thread-safety: {@link #association}, {@link #offerUser} and {@link #sendSystem} may be called
 * from any thread; everything else belongs to the agent thread.
 */
final class RemoteAgent implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteAgent.class);
    static final long CHECK_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
    static final Duration SYSTEM_RESEND = Duration.ofSeconds(1);
    static final Duration SYSTEM_GIVE_UP = Duration.ofMinutes(2);
    /** How long a termination notice waits for its flush to be acknowledged (Pekko's default, 3 s). */
    static final long FLUSH_TIMEOUT_NANOS = Duration.ofSeconds(3).toNanos();
    private static final int POLL_LIMIT = 64;
    /**
     * The agent's longest idle park when the transport signals its work: its own timers
     * (heartbeats, resends, the detector) are a second apart, so 10 ms late is nothing to them.
     */
    static final long SIGNALLED_MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int DRAIN_LIMIT = 64;

    private final Transport transport;
    private final NodeAddress local;
    private final long localUid;
    private final long typeFingerprint;
    private final RemoteSettings settings;
    private final PeerEvents events;
    private final LongSupplier clock;
    private final HandshakeCodec handshakes;
    private final DropLog drops;
    /** The last flush number used (agent thread). */
    private long flushIds;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final int maxFrame;

    private final ConcurrentHashMap<NodeAddress, Association> byAddress = new ConcurrentHashMap<>();
    /** Agent thread only: the incarnations whose frames are let in, and those quarantined. */
    private final Map<Long, Association> byUid = new HashMap<>();
    private final Map<Long, Association> quarantined = new HashMap<>();
    private final ManyToOneConcurrentLinkedQueue<Runnable> commands = new ManyToOneConcurrentLinkedQueue<>();
    /** User frames queued so far, by any thread: the agent compares it with {@link #seenOffers}. */
    private final java.util.concurrent.atomic.AtomicLong offers = new java.util.concurrent.atomic.AtomicLong();
    /** {@link #offers} at the start of the last duty cycle (agent thread). */
    private long seenOffers;
    /**
     * This agent's idle strategy: senders wake it (see {@link WakeableIdleStrategy}), and so does
     * the transport's engine when it did work (see {@link TransportActivity}).
     */
    private final WakeableIdleStrategy idle;
    /** The transport engine's busy cycles, or null if it reports none (then the agent parks short). */
    private final TransportActivity activity;
    /** {@link #activity}'s count at the start of the last duty cycle (agent thread). */
    private long seenActivity;
    private final Transport.FrameHandler onFrame = this::onFrame;
    private boolean closed;

    RemoteAgent(Transport transport, NodeAddress local, long localUid, long typeFingerprint,
                RemoteSettings settings, PeerEvents events, LongSupplier clock) {
        if (localUid == 0) {
            throw new IllegalArgumentException("a system's uid is never 0");
        }
        this.transport = transport;
        this.local = local;
        this.localUid = localUid;
        this.typeFingerprint = typeFingerprint;
        this.settings = settings;
        this.events = events;
        this.clock = clock;
        this.handshakes = new HandshakeCodec(settings.cookie());
        this.drops = new DropLog(clock, Duration.ofSeconds(10).toNanos());
        this.maxFrame = settings.maxMessageBytes();
        this.activity = transport.activity();
        // Woken for everything it must react to at once, the agent parks up to SIGNALLED_MAX_PARK
        // (its own timers are a second apart); without the engine's signal it must poll for
        // arrived frames, as often as the settings let the engine itself idle.
        long maxPark = activity != null ? SIGNALLED_MAX_PARK_NANOS : settings.maxIdlePark().toNanos();
        this.idle = new WakeableIdleStrategy(this::hasPendingWork, null, TimeUnit.MICROSECONDS.toNanos(1), maxPark);
        if (activity != null) {
            activity.listen(idle::wake);
        }
    }

    NodeAddress localAddress() {
        return local;
    }

    /** The idle strategy the agent's runner must use, so that senders can wake the agent. */
    WakeableIdleStrategy idleStrategy() {
        return idle;
    }

    /**
     * Whether work was queued since the last duty cycle began (a command, a user frame, or the
     * engine's report that it did work): the idle strategy's re-check before it parks. Agent thread.
     */
    private boolean hasPendingWork() {
        return !commands.isEmpty() || offers.get() != seenOffers
                || activity != null && activity.count() != seenActivity;
    }

    long localUid() {
        return localUid;
    }

    /** The association with {@code node}, made on first use. Any thread. */
    Association association(NodeAddress node) {
        if (node.equals(local)) {
            throw new IllegalArgumentException(node + " is this system's own address");
        }
        return byAddress.computeIfAbsent(node, a -> new Association(a, settings.outboundQueueBytes()));
    }

    /**
     * Queues a user frame (header written by the caller; the destination uid is stamped when it
     * leaves) for {@code node}. Any thread; never blocks.
     *
     * @return false if the peer's queue is full (the frame was not queued)
     */
    boolean offerUser(NodeAddress node, DirectBuffer frame, int offset, int length) {
        if (!association(node).queue.offer(frame, offset, length)) {
            return false;
        }
        offers.incrementAndGet(); // after the frame is queued: see WakeableIdleStrategy's invariant
        idle.wake();
        return true;
    }

    /** Queues {@code command} for the agent thread and wakes it. Any thread. */
    private void command(Runnable command) {
        commands.offer(command);
        idle.wake();
    }

    /**
     * Sends a system message to {@code node} reliably (numbered, acknowledged, resent); the
     * {@code seq} of {@code frame} is ignored. Any thread. If the peer has no active
     * incarnation, the message waits for the handshake.
     */
    void sendSystem(NodeAddress node, ControlCodec.SystemFrame frame) {
        Association a = association(node);
        command(() -> queueSystem(a, frame));
    }

    /**
     * Tells {@code node} that the ask {@code askId} it sent found no recipient here (best effort:
     * if the frame is lost, the ask times out). Any thread.
     */
    void sendNoRecipient(NodeAddress node, long askId) {
        Association a = association(node);
        command(() -> {
            if (a.state == Association.State.ACTIVE) {
                int n = ControlCodec.encodeNumber(scratch, 0, FrameType.NO_RECIPIENT, localUid, a.remoteUid, askId);
                a.link.offer(true, scratch, 0, n);
            }
        });
    }

    /**
     * Asks for a link to {@code node} now, and again (with backoff) whenever it fails, until the
     * node's incarnation is quarantined: for seed nodes. Any thread.
     */
    void connect(NodeAddress node) {
        Association a = association(node);
        command(() -> a.keepConnected = true);
    }

    @Override
    public String roleName() {
        return "kabuki-remote-" + local.system();
    }

    /** One round of work; returns how much was done (0: idle, the caller may back off). */
    @Override
    public int doWork() {
        if (closed) {
            return 0;
        }
        int work = 0;
        seenOffers = offers.get(); // frames queued after this are seen by this cycle or the idle re-check
        if (activity != null) {
            seenActivity = activity.count(); // likewise for frames the engine receives after this
        }
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
            work++;
        }
        work += transport.poll(onFrame, POLL_LIMIT);
        long now = clock.getAsLong();
        for (Association a : byAddress.values()) {
            work += tick(a, now);
        }
        drops.summarizeIfDue();
        return work;
    }

    /** The agent runner's close, on the agent thread: see {@link #close()}. */
    @Override
    public void onClose() {
        close();
    }

    /** Tells every active peer this node is leaving, then closes the transport. Agent thread. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Association a : byAddress.values()) {
            if (a.state == Association.State.ACTIVE) {
                sendNotice(a, FrameType.LEAVING, a.remoteUid);
            }
        }
        transport.close();
    }

    // ---------------------------------------------------------------- outbound

    private int tick(Association a, long now) {
        switch (a.state) {
            case IDLE -> {
                if (wantsLink(a)) {
                    startHandshake(a, now);
                    return 1;
                }
                return 0;
            }
            case FAILED -> {
                if (now - a.failedAtNanos >= a.backoffNanos && wantsLink(a)) {
                    a.backoffNanos = Math.min(a.backoffNanos * 2, Association.MAX_BACKOFF_NANOS);
                    startHandshake(a, now);
                    return 1;
                }
                return 0;
            }
            case HANDSHAKING -> {
                if (now - a.handshakeStartedNanos >= settings.handshakeTimeout().toNanos()) {
                    handshakeFailed(a, now);
                    return 1;
                }
                if (now - a.lastRequestNanos >= Association.HANDSHAKE_RETRY_NANOS) {
                    sendRequest(a, now);
                    return 1;
                }
                return 0;
            }
            case ACTIVE -> {
                return tickActive(a, now);
            }
            default -> throw new IllegalStateException(a.state.toString());
        }
    }

    /** Whether anything waits for a link to {@code a}'s node, or a user of this node asked to stay connected. */
    private static boolean wantsLink(Association a) {
        return a.keepConnected || a.queue.queuedBytes() > 0 || a.systemOut != null && a.systemOut.unacknowledged() > 0;
    }

    private int tickActive(Association a, long now) {
        int work = a.queue.drainTo(a.link, false, DRAIN_LIMIT, a.remoteUid);
        if (now - a.lastHeartbeatNanos >= settings.failureDetector().heartbeatInterval().toNanos()) {
            a.lastHeartbeatNanos = now;
            int n = ControlCodec.encodeHeartbeat(scratch, 0, localUid, a.remoteUid, ++a.heartbeatCounter, now);
            a.link.offer(true, scratch, 0, n);
            work++;
        }
        if (now - a.lastCheckNanos >= CHECK_INTERVAL_NANOS) {
            a.lastCheckNanos = now;
            if (!a.detector.isAvailable()) {
                quarantine(a, a.remoteUid, String.format("unreachable: no heartbeat for %d ms (phi %.1f)",
                        (now - a.detector.lastHeartbeatNanos()) / 1_000_000, a.detector.phi()), true);
                return work + 1;
            }
            if (a.systemOut.givenUp(now)) {
                quarantine(a, a.remoteUid, "system messages unacknowledged for " + SYSTEM_GIVE_UP.toSeconds() + " s",
                        true);
                return work + 1;
            }
        }
        if (a.flushId != 0) {
            if (!a.flushQueued) {
                queueFlush(a);
            }
            if (now - a.flushDeadlineNanos >= 0) {
                LOG.debug("remote: no flush acknowledgement from {} in time; sending the termination notice", a.address);
                flushDone(a, a.flushId, now);
            }
        }
        List<SystemMessageDelivery.Numbered<ControlCodec.SystemFrame>> due = a.systemOut.resendDue(now);
        for (SystemMessageDelivery.Numbered<ControlCodec.SystemFrame> n : due) {
            sendSystemFrame(a, n);
            work++;
        }
        return work;
    }

    private void startHandshake(Association a, long now) {
        if (a.link == null) {
            a.link = transport.link(a.address.host(), a.address.port());
        }
        a.state = Association.State.HANDSHAKING;
        a.handshakeNonce = nonZeroRandom();
        a.handshakeStartedNanos = now;
        sendRequest(a, now);
    }

    private void sendRequest(Association a, long now) {
        a.lastRequestNanos = now;
        HandshakeCodec.Handshake h = new HandshakeCodec.Handshake(false, local, localUid, a.address,
                a.handshakeNonce, 0L, typeFingerprint);
        int n = handshakes.encode(scratch, 0, h, 0L);
        a.link.offer(true, scratch, 0, n);
    }

    private void handshakeFailed(Association a, long now) {
        int dropped = a.queue.discard();
        a.state = Association.State.FAILED;
        a.failedAtNanos = now;
        LOG.warn("remote: no handshake with {} within {} ms ({} queued frame(s) dropped); retrying in {} ms when"
                        + " there is something to send. Is the node up, at that address, with the same cookie?",
                a.address, settings.handshakeTimeout().toMillis(), dropped, a.backoffNanos / 1_000_000);
    }

    /**
     * Queues a system message for {@code a}. A termination notice first flushes the ordinary
     * stream: the messages the stopped actor sent to that node went into {@code a.queue} before
     * it stopped, hence before this runs; a {@link FrameType#FLUSH} queued behind them is answered
     * by the peer only once it has handed them all to their actors, and the notice (with every
     * system message after it, to keep their order) waits for that answer or
     * {@link #FLUSH_TIMEOUT_NANOS}, as Pekko's death-watch-notification flush does. The
     * receiving actor then gets the messages before the termination (its ordinary lane keeps that
     * order). Agent thread.
     */
    private void queueSystem(Association a, ControlCodec.SystemFrame frame) {
        a.heldSystem.addLast(frame);
        releaseHeld(a, clock.getAsLong());
    }

    /** Numbers and sends the held system messages that need no flush or whose flush is done. */
    private void releaseHeld(Association a, long now) {
        while (a.flushId == 0 && !a.heldSystem.isEmpty()) {
            ControlCodec.SystemFrame f = a.heldSystem.peekFirst();
            if (f.kind() == ControlCodec.SystemKind.TERMINATED && !a.headFlushed
                    && a.state == Association.State.ACTIVE) {
                a.flushId = ++flushIds;
                a.flushQueued = false;
                a.flushDeadlineNanos = now + FLUSH_TIMEOUT_NANOS;
                queueFlush(a);
                return;
            }
            a.heldSystem.pollFirst();
            a.headFlushed = false;
            numberAndSend(a, f);
        }
    }

    /** Puts the pending flush into the ordinary queue; retried each tick while the queue is full. */
    private void queueFlush(Association a) {
        int n = ControlCodec.encodeNumber(scratch, 0, FrameType.FLUSH, localUid, 0, a.flushId);
        a.flushQueued = a.queue.offer(scratch, 0, n);
    }

    /** The peer has everything queued before flush {@code id} (or it took too long): release the notice. */
    private void flushDone(Association a, long id, long now) {
        if (a.flushId == 0 || id != a.flushId) {
            return; // a late answer to an earlier flush
        }
        a.flushId = 0;
        a.headFlushed = true;
        releaseHeld(a, now);
    }

    private void numberAndSend(Association a, ControlCodec.SystemFrame frame) {
        if (a.systemOut == null) {
            resetSystemState(a);
        }
        SystemMessageDelivery.Numbered<ControlCodec.SystemFrame> n = a.systemOut.send(frame, clock.getAsLong());
        if (n == null) {
            if (a.state == Association.State.ACTIVE) {
                quarantine(a, a.remoteUid, settings.systemMessageBuffer() + " system messages unacknowledged", true);
            } else {
                drops.dropped("system message buffer full", "to " + a.address + " before any handshake");
            }
            return;
        }
        if (a.state == Association.State.ACTIVE) {
            sendSystemFrame(a, n);
        }
    }

    private void sendSystemFrame(Association a, SystemMessageDelivery.Numbered<ControlCodec.SystemFrame> n) {
        ControlCodec.SystemFrame f = n.message();
        ControlCodec.SystemFrame numbered = new ControlCodec.SystemFrame(n.seq(), f.kind(), f.watcheeUid(),
                f.watchee(), f.watcherUid(), f.watcher());
        int len = ControlCodec.encodeSystem(scratch, 0, localUid, a.remoteUid, numbered);
        a.link.offer(true, scratch, 0, len);
    }

    private void resetSystemState(Association a) {
        a.systemOut = new SystemMessageDelivery.Sender<>(settings.systemMessageBuffer(), SYSTEM_RESEND,
                SYSTEM_GIVE_UP);
        a.systemIn = new SystemMessageDelivery.Receiver();
    }

    private void sendNotice(Association a, FrameType type, long destinationUid) {
        if (a.link != null) {
            int n = ControlCodec.encodeNotice(scratch, 0, type, localUid, destinationUid);
            a.link.offer(true, scratch, 0, n);
        }
    }

    /**
     * Quarantines incarnation {@code uid} of {@code a}'s node: final for that uid. {@code warn}:
     * a failure (WARN) rather than an orderly event such as a restart or a leave (INFO).
     */
    private void quarantine(Association a, long uid, String reason, boolean warn) {
        if (uid == 0 || quarantined.containsKey(uid)) {
            return;
        }
        quarantined.put(uid, a);
        byUid.remove(uid);
        int dropped = 0;
        if (a.remoteUid == uid) {
            dropped = a.queue.discard(); // keepConnected stays: a seed that restarts is found again
            if (warn) {
                sendNotice(a, FrameType.QUARANTINED, uid);
            }
            a.remoteUid = 0;
            a.state = Association.State.IDLE;
            a.detector = null;
            a.systemOut = null;
            a.systemIn = null;
            a.heldSystem.clear(); // for the incarnation now gone
            a.flushId = 0;
            a.headFlushed = false;
        }
        if (a.inboundUid == uid) {
            a.inboundUid = 0;
        }
        String line = "remote: {} incarnation {} quarantined: {}{}";
        String droppedNote = dropped > 0 ? "; " + dropped + " queued frame(s) dropped" : "";
        if (warn) {
            LOG.warn(line, a.address, uid, reason, droppedNote);
        } else {
            LOG.info(line, a.address, uid, reason, droppedNote);
        }
        try {
            events.nodeDown(a.address, uid, reason);
        } catch (RuntimeException e) {
            LOG.error("remote: a node-down listener failed", e);
        }
    }

    // ---------------------------------------------------------------- inbound

    private void onFrame(boolean control, DirectBuffer b, int offset, int length, int sessionId) {
        String refusal = FrameHeader.refusal(b, offset, length, maxFrame, localUid);
        if (refusal != null) {
            drops.dropped("malformed header", refusal);
            return;
        }
        FrameType type = FrameHeader.type(b, offset);
        if (type.control != control) {
            drops.dropped("frame on the wrong stream", type + " arrived on the " + (control ? "control" : "ordinary")
                    + " stream");
            return;
        }
        try {
            switch (type) {
                case HANDSHAKE_REQUEST, HANDSHAKE_RESPONSE -> onHandshake(b, offset, length);
                default -> onPeerFrame(type, b, offset, length);
            }
        } catch (MalformedFrameException e) {
            drops.dropped("malformed " + type + " frame", e.getMessage());
        }
    }

    private void onHandshake(DirectBuffer b, int offset, int length) throws MalformedFrameException {
        HandshakeCodec.Handshake h;
        try {
            h = handshakes.decode(b, offset, length);
        } catch (MalformedFrameException e) {
            drops.dropped("handshake refused", e.getMessage() + " (a node with another cookie?)");
            return;
        }
        if (!h.to().equals(local)) {
            drops.dropped("handshake for another address", h.from() + " dialled " + h.to() + " but this node is "
                    + local + " (check the seed addresses and the bind host)");
            return;
        }
        if (h.typeFingerprint() != typeFingerprint) {
            drops.dropped("handshake with other message types", h.from() + " allows other message types on the wire"
                    + " (fingerprint " + Long.toHexString(h.typeFingerprint()) + ", here "
                    + Long.toHexString(typeFingerprint) + "); both nodes must allow the same sealed roots");
            return;
        }
        if (h.from().equals(local)) {
            drops.dropped("handshake from this node's own address", "uid " + h.fromUid());
            return;
        }
        if (quarantined.containsKey(h.fromUid())) {
            drops.dropped("handshake from a quarantined incarnation", h.from() + " uid " + h.fromUid()
                    + " must restart to talk to this node again");
            Association a = association(h.from());
            if (a.link == null) {
                a.link = transport.link(a.address.host(), a.address.port());
            }
            sendNotice(a, FrameType.QUARANTINED, h.fromUid());
            return;
        }
        Association a = association(h.from());
        long now = clock.getAsLong();
        // A new incarnation at a known address: the old one restarted and is gone for good.
        long old = a.inboundUid != 0 ? a.inboundUid : a.remoteUid;
        if (old != 0 && old != h.fromUid()) {
            quarantine(a, old, "restarted as incarnation " + h.fromUid(), false);
            if (a.remoteUid == 0 && a.state == Association.State.IDLE) {
                a.backoffNanos = Association.FIRST_BACKOFF_NANOS;
            }
        }
        if (!h.response()) {
            a.inboundUid = h.fromUid();
            byUid.put(h.fromUid(), a);
            if (a.link == null) {
                a.link = transport.link(a.address.host(), a.address.port());
            }
            HandshakeCodec.Handshake rsp = new HandshakeCodec.Handshake(true, local, localUid, h.from(),
                    nonZeroRandom(), h.nonce(), typeFingerprint);
            int n = handshakes.encode(scratch, 0, rsp, h.fromUid());
            a.link.offer(true, scratch, 0, n);
            if (a.state == Association.State.IDLE || a.state == Association.State.FAILED) {
                startHandshake(a, now);
            }
            return;
        }
        if (a.state != Association.State.HANDSHAKING || h.answeredNonce() != a.handshakeNonce) {
            return; // a late answer to an earlier request, or a duplicate: harmless
        }
        a.remoteUid = h.fromUid();
        a.inboundUid = h.fromUid();
        byUid.put(h.fromUid(), a);
        a.state = Association.State.ACTIVE;
        a.backoffNanos = Association.FIRST_BACKOFF_NANOS;
        a.detector = new PhiAccrualFailureDetector(settings.failureDetector(), clock);
        a.detector.heartbeat();
        a.lastHeartbeatNanos = now - settings.failureDetector().heartbeatInterval().toNanos(); // one goes out now
        a.lastCheckNanos = now;
        if (a.systemOut == null) {
            resetSystemState(a);
        } else {
            for (SystemMessageDelivery.Numbered<ControlCodec.SystemFrame> queued : a.systemOut.resendDue(Long.MAX_VALUE)) {
                sendSystemFrame(a, queued);
            }
        }
        LOG.info("remote: associated with {} (incarnation {})", a.address, a.remoteUid);
        try {
            events.nodeUp(a.address, a.remoteUid);
        } catch (RuntimeException e) {
            LOG.error("remote: a node-up listener failed", e);
        }
    }

    private void onPeerFrame(FrameType type, DirectBuffer b, int offset, int length) throws MalformedFrameException {
        long origin = FrameHeader.originUid(b, offset);
        Association a = byUid.get(origin);
        if (a == null) {
            Association gone = quarantined.get(origin);
            if (gone != null) {
                drops.dropped("frame from a quarantined incarnation", type + " from " + gone.address + " uid " + origin);
            } else {
                drops.dropped("frame from an unknown node", type + " from uid " + origin + " before any handshake");
            }
            return;
        }
        switch (type) {
            case HEARTBEAT -> {
                ControlCodec.decodeHeartbeat(b, offset, length);
                if (a.detector != null && a.remoteUid == origin) {
                    a.detector.heartbeat();
                }
            }
            case SYSTEM -> onSystem(a, origin, ControlCodec.decodeSystem(b, offset, length));
            case ACK -> {
                long n = ControlCodec.decodeNumber(b, offset, length, FrameType.ACK);
                if (a.systemOut != null && a.remoteUid == origin) {
                    a.systemOut.ack(n);
                }
            }
            case NACK -> {
                long n = ControlCodec.decodeNumber(b, offset, length, FrameType.NACK);
                if (a.systemOut != null && a.remoteUid == origin) {
                    a.systemOut.nack(n);
                }
            }
            case NO_RECIPIENT -> events.noRecipient(a.address,
                    ControlCodec.decodeNumber(b, offset, length, FrameType.NO_RECIPIENT));
            case LEAVING -> {
                ControlCodec.checkNotice(b, offset, length, FrameType.LEAVING);
                quarantine(a, origin, "left (shut down)", false);
            }
            case QUARANTINED -> {
                ControlCodec.checkNotice(b, offset, length, FrameType.QUARANTINED);
                drops.dropped("this node quarantined by a peer", a.address + " (uid " + origin + ") quarantined this"
                        + " incarnation; it will not talk to it again until this node restarts");
            }
            case USER -> events.userFrame(a.address, origin, b, offset, length);
            case FLUSH -> {
                // Every USER frame before it on this stream has been handed to its actor.
                long id = ControlCodec.decodeNumber(b, offset, length, FrameType.FLUSH);
                if (a.link != null) {
                    int n = ControlCodec.encodeNumber(scratch, 0, FrameType.FLUSH_ACK, localUid, origin, id);
                    a.link.offer(true, scratch, 0, n);
                }
            }
            case FLUSH_ACK -> {
                long id = ControlCodec.decodeNumber(b, offset, length, FrameType.FLUSH_ACK);
                if (a.remoteUid == origin) {
                    flushDone(a, id, clock.getAsLong());
                }
            }
            default -> drops.dropped("unexpected frame", type + " from " + a.address);
        }
    }

    private void onSystem(Association a, long origin, ControlCodec.SystemFrame f) {
        if (a.systemIn == null) {
            resetSystemState(a);
        }
        SystemMessageDelivery.Verdict v = a.systemIn.receive(f.seq());
        if (v == SystemMessageDelivery.Verdict.DELIVER) {
            events.systemMessage(a.address, origin, f);
        }
        FrameType answer = v == SystemMessageDelivery.Verdict.GAP ? FrameType.NACK : FrameType.ACK;
        int n = ControlCodec.encodeNumber(scratch, 0, answer, localUid, origin, a.systemIn.lastDelivered());
        if (a.link != null) {
            a.link.offer(true, scratch, 0, n);
        }
    }

    private static long nonZeroRandom() {
        long r;
        do {
            r = ThreadLocalRandom.current().nextLong();
        } while (r == 0);
        return r;
    }
}
