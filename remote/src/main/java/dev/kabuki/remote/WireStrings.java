package dev.kabuki.remote;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The one string form of the remote protocol: a little-endian u16 byte length, then that many
 * bytes of UTF-8, read and written in place by Agrona. Reading checks the length against a
 * maximum and against the frame's end before touching the bytes. Stateless; thread-safe.
 */
final class WireStrings {
    private WireStrings() {
    }

    /** Writes {@code s} at {@code p}; returns the index after it. The caller bounds the length. */
    static int put(MutableDirectBuffer b, int p, String s) {
        int n = b.putStringWithoutLengthUtf8(p + 2, s);
        b.putShort(p, (short) n, FrameHeader.ORDER);
        return p + 2 + n;
    }

    /** The UTF-8 length of {@code s} in bytes. */
    static int length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Reads the string at {@code cursor[0]}, advancing it.
     *
     * @throws MalformedFrameException cut short by {@code end}, empty when {@code min} is 1, or
     *                                 longer than {@code max}; the message names {@code what}
     */
    static String get(DirectBuffer b, int[] cursor, int end, int min, int max, String what)
            throws MalformedFrameException {
        int p = cursor[0];
        if (p + 2 > end) {
            throw new MalformedFrameException(what + " is cut short");
        }
        int n = b.getShort(p, FrameHeader.ORDER) & 0xFFFF;
        if (n < min || n > max || p + 2 + n > end) {
            throw new MalformedFrameException(what + " of " + n + " bytes is out of bounds");
        }
        cursor[0] = p + 2 + n;
        return b.getStringWithoutLengthUtf8(p + 2, n);
    }
}
