package dev.kabuki.remote;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The 24-byte header every frame of kabuki's remote protocol starts with, and the checks an
 * inbound frame passes before anything else of it is read.
 *
 * <pre>
 * offset size field
 *   0     1   version           {@link #VERSION}
 *   1     1   frame type        one of {@link FrameType}
 *   2     2   flags             {@link #FLAG_ASK}; other bits zero
 *   4     4   frame length      header included; equals the length Aeron delivered
 *   8     8   origin uid        the sending system's incarnation; never 0
 *  16     8   destination uid   the receiving system's incarnation; 0 only in a handshake request
 * </pre>
 * All numbers are little-endian. Stateless; thread-safe.
 */
final class FrameHeader {
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final byte VERSION = 1;
    static final int VERSION_OFFSET = 0;
    static final int TYPE_OFFSET = 1;
    static final int FLAGS_OFFSET = 2;
    static final int LENGTH_OFFSET = 4;
    static final int ORIGIN_UID_OFFSET = 8;
    static final int DESTINATION_UID_OFFSET = 16;
    static final int LENGTH = 24;
    /** A user message that is an ask: its body carries the ask id to answer NO_RECIPIENT with. */
    static final int FLAG_ASK = 1;
    private static final int KNOWN_FLAGS = FLAG_ASK;

    private FrameHeader() {
    }

    /**
     * Writes a header at {@code offset}; the length field is written later by
     * {@link #finish}, once the body is known.
     */
    static void write(MutableDirectBuffer b, int offset, FrameType type, int flags, long originUid,
                      long destinationUid) {
        b.putByte(offset + VERSION_OFFSET, VERSION);
        b.putByte(offset + TYPE_OFFSET, type.code);
        b.putShort(offset + FLAGS_OFFSET, (short) flags, ORDER);
        b.putInt(offset + LENGTH_OFFSET, 0, ORDER);
        b.putLong(offset + ORIGIN_UID_OFFSET, originUid, ORDER);
        b.putLong(offset + DESTINATION_UID_OFFSET, destinationUid, ORDER);
    }

    /** Writes the frame's length, from its start at {@code offset} to {@code end}; returns it. */
    static int finish(MutableDirectBuffer b, int offset, int end) {
        int length = end - offset;
        b.putInt(offset + LENGTH_OFFSET, length, ORDER);
        return length;
    }

    /**
     * Checks the header of the {@code length} bytes at {@code offset} as delivered: returns null
     * if the frame may be decoded further, else why it is refused (for the drop counter's log
     * line). Checked: the length covers a header, the version, a known type, no unknown flag,
     * the length field equals the delivered length and is at most {@code maxLength}, a non-zero
     * origin, and a destination that is this system's {@code localUid} (or 0 in a handshake
     * request, which is sent before the peer's incarnation is known).
     */
    static String refusal(DirectBuffer b, int offset, int length, int maxLength, long localUid) {
        if (length < LENGTH) {
            return "frame of " + length + " bytes is shorter than the " + LENGTH + "-byte header";
        }
        byte version = b.getByte(offset + VERSION_OFFSET);
        if (version != VERSION) {
            return "unknown protocol version " + version;
        }
        FrameType type = FrameType.of(b.getByte(offset + TYPE_OFFSET));
        if (type == null) {
            return "unknown frame type " + b.getByte(offset + TYPE_OFFSET);
        }
        int flags = b.getShort(offset + FLAGS_OFFSET, ORDER) & 0xFFFF;
        if ((flags & ~KNOWN_FLAGS) != 0) {
            return "unknown flags 0x" + Integer.toHexString(flags) + " on a " + type + " frame";
        }
        int declared = b.getInt(offset + LENGTH_OFFSET, ORDER);
        if (declared != length) {
            return type + " frame declares " + declared + " bytes but " + length + " arrived";
        }
        if (length > maxLength) {
            return type + " frame of " + length + " bytes exceeds the limit of " + maxLength;
        }
        if (b.getLong(offset + ORIGIN_UID_OFFSET, ORDER) == 0L) {
            return type + " frame without an origin uid";
        }
        long destination = b.getLong(offset + DESTINATION_UID_OFFSET, ORDER);
        if (destination != localUid && !(destination == 0L && type == FrameType.HANDSHAKE_REQUEST)) {
            return type + " frame for incarnation " + destination + ", this system is " + localUid;
        }
        return null;
    }

    static FrameType type(DirectBuffer b, int offset) {
        return FrameType.of(b.getByte(offset + TYPE_OFFSET));
    }

    static int flags(DirectBuffer b, int offset) {
        return b.getShort(offset + FLAGS_OFFSET, ORDER) & 0xFFFF;
    }

    static long originUid(DirectBuffer b, int offset) {
        return b.getLong(offset + ORIGIN_UID_OFFSET, ORDER);
    }

    static long destinationUid(DirectBuffer b, int offset) {
        return b.getLong(offset + DESTINATION_UID_OFFSET, ORDER);
    }
}
