package dev.kabuki.remote;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes and checks the control frames other than the handshake ({@link HandshakeCodec}):
 * heartbeats, acknowledgements, system messages and the one-word notices. Each body has a fixed
 * layout after the 24-byte {@link FrameHeader}:
 *
 * <pre>
 * HEARTBEAT     i64 counter, i64 the sender's clock at sending (for round-trip estimates)
 * ACK, NACK     i64 sequence number
 * NO_RECIPIENT  i64 the ask id whose recipient does not exist
 * FLUSH, FLUSH_ACK  i64 the flush number (FLUSH on the ordinary stream, behind the user frames it covers)
 * QUARANTINED, LEAVING   nothing
 * SYSTEM        i64 sequence number, u8 kind (1 watch, 2 unwatch, 3 terminated),
 *               i32 watchee uid, u16 length + UTF-8 watchee path,
 *               i32 watcher uid, u16 length + UTF-8 watcher path   (paths 1 to 1024 bytes)
 * </pre>
 * Decoding checks the exact length of fixed bodies and every bound of the variable one before it
 * reads; a frame that fails raises {@link MalformedFrameException}. Stateless; thread-safe.
 */
final class ControlCodec {
    static final int MAX_PATH = 1024;
    private static final int FIXED_LONG = FrameHeader.LENGTH + 8;
    private static final int HEARTBEAT_LENGTH = FrameHeader.LENGTH + 16;

    private ControlCodec() {
    }

    /**
     * The kinds of system message. WATCH, UNWATCH, TERMINATED: the watchee is the actor, the
     * watcher the watching node's side ({@code /system/remote}). IDENTIFY asks whether an actor
     * is at the watchee path; IDENTITY answers with its uid (0: none); both name the lookup in
     * the watcher path ({@code /temp/lookup/<number>}). REGISTER and DEREGISTER announce a
     * local actor (the watchee) under a receptionist service key (the watcher path,
     * {@code /receptionist/<key>}).
     */
    enum SystemKind {
        WATCH, UNWATCH, TERMINATED, IDENTIFY, IDENTITY, REGISTER, DEREGISTER;

        private static final SystemKind[] KINDS = values();

        static SystemKind of(byte code) {
            return code >= 1 && code <= KINDS.length ? KINDS[code - 1] : null;
        }

        byte code() {
            return (byte) (ordinal() + 1);
        }
    }

    /** A decoded SYSTEM frame. */
    record SystemFrame(long seq, SystemKind kind, int watcheeUid, String watchee, int watcherUid, String watcher) {
    }

    /** A decoded HEARTBEAT frame. */
    record Heartbeat(long counter, long sentNanos) {
    }

    static int encodeHeartbeat(MutableDirectBuffer b, int offset, long origin, long destination, long counter,
                               long sentNanos) {
        FrameHeader.write(b, offset, FrameType.HEARTBEAT, 0, origin, destination);
        b.putLong(offset + FrameHeader.LENGTH, counter, FrameHeader.ORDER);
        b.putLong(offset + FrameHeader.LENGTH + 8, sentNanos, FrameHeader.ORDER);
        return FrameHeader.finish(b, offset, offset + HEARTBEAT_LENGTH);
    }

    static Heartbeat decodeHeartbeat(DirectBuffer b, int offset, int length) throws MalformedFrameException {
        expect(b, offset, length, FrameType.HEARTBEAT, HEARTBEAT_LENGTH);
        return new Heartbeat(b.getLong(offset + FrameHeader.LENGTH, FrameHeader.ORDER),
                b.getLong(offset + FrameHeader.LENGTH + 8, FrameHeader.ORDER));
    }

    /** ACK, NACK, NO_RECIPIENT, FLUSH or FLUSH_ACK: a header and one number. */
    static int encodeNumber(MutableDirectBuffer b, int offset, FrameType type, long origin, long destination, long n) {
        if (type != FrameType.ACK && type != FrameType.NACK && type != FrameType.NO_RECIPIENT
                && type != FrameType.FLUSH && type != FrameType.FLUSH_ACK) {
            throw new IllegalArgumentException(type + " does not carry one number");
        }
        FrameHeader.write(b, offset, type, 0, origin, destination);
        b.putLong(offset + FrameHeader.LENGTH, n, FrameHeader.ORDER);
        return FrameHeader.finish(b, offset, offset + FIXED_LONG);
    }

    static long decodeNumber(DirectBuffer b, int offset, int length, FrameType type) throws MalformedFrameException {
        expect(b, offset, length, type, FIXED_LONG);
        return b.getLong(offset + FrameHeader.LENGTH, FrameHeader.ORDER);
    }

    /** QUARANTINED or LEAVING: a header alone. */
    static int encodeNotice(MutableDirectBuffer b, int offset, FrameType type, long origin, long destination) {
        if (type != FrameType.QUARANTINED && type != FrameType.LEAVING) {
            throw new IllegalArgumentException(type + " is not a notice");
        }
        FrameHeader.write(b, offset, type, 0, origin, destination);
        return FrameHeader.finish(b, offset, offset + FrameHeader.LENGTH);
    }

    static void checkNotice(DirectBuffer b, int offset, int length, FrameType type) throws MalformedFrameException {
        expect(b, offset, length, type, FrameHeader.LENGTH);
    }

    static int encodeSystem(MutableDirectBuffer b, int offset, long origin, long destination, SystemFrame f) {
        FrameHeader.write(b, offset, FrameType.SYSTEM, 0, origin, destination);
        int p = offset + FrameHeader.LENGTH;
        b.putLong(p, f.seq(), FrameHeader.ORDER);
        b.putByte(p + 8, f.kind().code());
        p = putPath(b, p + 9, f.watcheeUid(), f.watchee());
        p = putPath(b, p, f.watcherUid(), f.watcher());
        return FrameHeader.finish(b, offset, p);
    }

    static SystemFrame decodeSystem(DirectBuffer b, int offset, int length) throws MalformedFrameException {
        if (FrameHeader.type(b, offset) != FrameType.SYSTEM) {
            throw new MalformedFrameException("expected a SYSTEM frame, got " + FrameHeader.type(b, offset));
        }
        int end = offset + length;
        int p = offset + FrameHeader.LENGTH;
        if (p + 9 > end) {
            throw new MalformedFrameException("SYSTEM frame of " + length + " bytes is cut short");
        }
        long seq = b.getLong(p, FrameHeader.ORDER);
        SystemKind kind = SystemKind.of(b.getByte(p + 8));
        if (kind == null || seq < 1) {
            throw new MalformedFrameException("SYSTEM frame with kind " + b.getByte(p + 8) + " and sequence " + seq);
        }
        int[] cursor = {p + 9};
        int watcheeUid = getInt(b, cursor, end);
        String watchee = WireStrings.get(b, cursor, end, 1, MAX_PATH, "SYSTEM frame's watchee path");
        int watcherUid = getInt(b, cursor, end);
        String watcher = WireStrings.get(b, cursor, end, 1, MAX_PATH, "SYSTEM frame's watcher path");
        if (cursor[0] != end) {
            throw new MalformedFrameException("SYSTEM frame has " + (end - cursor[0]) + " unexpected bytes");
        }
        return new SystemFrame(seq, kind, watcheeUid, watchee, watcherUid, watcher);
    }

    private static void expect(DirectBuffer b, int offset, int length, FrameType type, int exact)
            throws MalformedFrameException {
        FrameType actual = FrameHeader.type(b, offset);
        if (actual != type) {
            throw new MalformedFrameException("expected a " + type + " frame, got " + actual);
        }
        if (length != exact) {
            throw new MalformedFrameException(type + " frame of " + length + " bytes, expected " + exact);
        }
    }

    private static int putPath(MutableDirectBuffer b, int p, int uid, String path) {
        int n = WireStrings.length(path);
        if (n == 0 || n > MAX_PATH) {
            throw new IllegalArgumentException("actor path must be 1 to " + MAX_PATH + " bytes, got " + n);
        }
        b.putInt(p, uid, FrameHeader.ORDER);
        return WireStrings.put(b, p + 4, path);
    }

    private static int getInt(DirectBuffer b, int[] cursor, int end) throws MalformedFrameException {
        if (cursor[0] + 4 > end) {
            throw new MalformedFrameException("SYSTEM frame is cut short");
        }
        int v = b.getInt(cursor[0], FrameHeader.ORDER);
        cursor[0] += 4;
        return v;
    }
}
