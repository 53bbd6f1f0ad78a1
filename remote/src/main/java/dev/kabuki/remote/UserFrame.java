package dev.kabuki.remote;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The layout of a USER frame after the common header:
 * <pre>
 * i32    recipient uid (0: whichever actor is at the path)
 * i64    ask id: the sender's number for the ask (0 unless the ASK flag is set); answered with
 *        NO_RECIPIENT(ask id) when no actor is at the path, so the ask fails at once
 * u16+   recipient path, UTF-8, 1 to 1024 bytes
 * ...    the message, as the {@link MessageSerializer} wrote it, to the end of the frame
 * </pre>
 */
final class UserFrame {
    static final int MAX_PATH = ControlCodec.MAX_PATH;

    private UserFrame() {
    }

    /** The decoded envelope; the message is at {@code payloadOffset} for {@code payloadLength} bytes. */
    record Envelope(int recipientUid, long askId, String path, int payloadOffset, int payloadLength) {
    }

    /** Writes header and envelope; returns where the message goes. */
    static int writeEnvelope(MutableDirectBuffer b, long originUid, int recipientUid, long askId, String path) {
        FrameHeader.write(b, 0, FrameType.USER, askId != 0 ? FrameHeader.FLAG_ASK : 0, originUid, 0L);
        int p = FrameHeader.LENGTH;
        b.putInt(p, recipientUid, FrameHeader.ORDER);
        b.putLong(p + 4, askId, FrameHeader.ORDER);
        int n = WireStrings.length(path);
        if (n == 0 || n > MAX_PATH) {
            throw new IllegalArgumentException("actor path must be 1 to " + MAX_PATH + " bytes, got " + n);
        }
        return WireStrings.put(b, p + 12, path);
    }

    static Envelope read(DirectBuffer b, int offset, int length) throws MalformedFrameException {
        int end = offset + length;
        int p = offset + FrameHeader.LENGTH;
        if (p + 12 > end) {
            throw new MalformedFrameException("USER frame of " + length + " bytes is cut short");
        }
        int uid = b.getInt(p, FrameHeader.ORDER);
        long askId = b.getLong(p + 4, FrameHeader.ORDER);
        boolean askFlag = (FrameHeader.flags(b, offset) & FrameHeader.FLAG_ASK) != 0;
        if (askFlag != (askId != 0)) {
            throw new MalformedFrameException("USER frame's ask flag and ask id " + askId + " disagree");
        }
        int[] cursor = {p + 12};
        String path = WireStrings.get(b, cursor, end, 1, MAX_PATH, "USER frame's recipient path");
        return new Envelope(uid, askId, path, cursor[0], end - cursor[0]);
    }
}
