package dev.kabuki.remote;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes and checks handshake frames, authenticated with the shared secret (the cookie).
 *
 * <pre>
 * header (24 bytes, {@link FrameHeader}): origin = the sender's incarnation; destination = 0 in a
 *        request, the requester's incarnation in a response
 * from   u16 length + UTF-8 system name, u16 length + UTF-8 host, i32 port: the sender's address
 * to     the same three: the address the sender dialled (a request), or answers (a response)
 * i64    nonce: random per request or response
 * i64    answered nonce: the request's nonce in a response, 0 in a request
 * i64    type fingerprint: of the allow-listed message types (both sides must agree)
 * 32     HMAC-SHA256 under the cookie of every byte before it, header included
 * </pre>
 * The cookie itself never crosses the wire. A response covers its request's nonce, so a
 * response recorded earlier does not answer a new request. What this does not give: secrecy
 * (Aeron does not encrypt; anyone on the network path reads every frame) nor protection against
 * a replayed request, which at worst makes a node open an association it would open anyway.
 * Nodes belong on a private network (docs/remote.md).
 *
 * <p>Not thread-safe (it holds a {@link Mac}): one per transport thread.
 */
final class HandshakeCodec {
    static final int MAC_LENGTH = 32;
    private static final int MAX_SYSTEM = 64;
    private static final int MAX_HOST = 255;
    /** The key when no cookie is configured: such nodes talk to each other, and to no node with one. */
    private static final byte[] NO_COOKIE = "kabuki-remote-no-cookie".getBytes(StandardCharsets.UTF_8);

    /** A decoded, authenticated handshake frame. */
    record Handshake(boolean response, NodeAddress from, long fromUid, NodeAddress to, long nonce,
                     long answeredNonce, long typeFingerprint) {
    }

    private final Mac mac;
    private final byte[] expected = new byte[MAC_LENGTH];
    private final byte[] received = new byte[MAC_LENGTH];
    private byte[] scratch = new byte[256];

    /** @param cookie the shared secret, or null for none */
    HandshakeCodec(String cookie) {
        byte[] key = cookie == null ? NO_COOKIE : cookie.getBytes(StandardCharsets.UTF_8);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Writes {@code h} at {@code offset}, MAC included; returns the frame's length. */
    int encode(MutableDirectBuffer b, int offset, Handshake h, long destinationUid) {
        FrameHeader.write(b, offset, h.response() ? FrameType.HANDSHAKE_RESPONSE : FrameType.HANDSHAKE_REQUEST, 0,
                h.fromUid(), destinationUid);
        int p = offset + FrameHeader.LENGTH;
        p = putAddress(b, p, h.from());
        p = putAddress(b, p, h.to());
        b.putLong(p, h.nonce(), FrameHeader.ORDER);
        b.putLong(p + 8, h.answeredNonce(), FrameHeader.ORDER);
        b.putLong(p + 16, h.typeFingerprint(), FrameHeader.ORDER);
        p += 24;
        FrameHeader.finish(b, offset, p + MAC_LENGTH);
        computeMac(b, offset, p - offset, expected);
        b.putBytes(p, expected);
        return p + MAC_LENGTH - offset;
    }

    /**
     * Decodes a handshake frame whose header passed {@link FrameHeader#refusal}.
     *
     * @throws MalformedFrameException a field is out of bounds or malformed, or the MAC does not
     *                                 match (a different cookie, or a damaged frame)
     */
    Handshake decode(DirectBuffer b, int offset, int length) throws MalformedFrameException {
        FrameType type = FrameHeader.type(b, offset);
        if (type != FrameType.HANDSHAKE_REQUEST && type != FrameType.HANDSHAKE_RESPONSE) {
            throw new MalformedFrameException("not a handshake frame: " + type);
        }
        int end = offset + length;
        int macAt = end - MAC_LENGTH;
        if (macAt < offset + FrameHeader.LENGTH) {
            throw new MalformedFrameException("handshake frame of " + length + " bytes is too short");
        }
        computeMac(b, offset, macAt - offset, expected);
        b.getBytes(macAt, received);
        if (!MessageDigest.isEqual(expected, received)) {
            throw new MalformedFrameException("handshake not signed with this node's cookie");
        }
        int[] cursor = {offset + FrameHeader.LENGTH};
        NodeAddress from = getAddress(b, cursor, macAt, "from");
        NodeAddress to = getAddress(b, cursor, macAt, "to");
        int p = cursor[0];
        if (p + 24 != macAt) {
            throw new MalformedFrameException("handshake frame has " + (macAt - p - 24) + " unexpected bytes");
        }
        return new Handshake(type == FrameType.HANDSHAKE_RESPONSE, from, FrameHeader.originUid(b, offset), to,
                b.getLong(p, FrameHeader.ORDER), b.getLong(p + 8, FrameHeader.ORDER),
                b.getLong(p + 16, FrameHeader.ORDER));
    }

    private void computeMac(DirectBuffer b, int offset, int length, byte[] into) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        b.getBytes(offset, scratch, 0, length);
        mac.update(scratch, 0, length);
        try {
            mac.doFinal(into, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int putAddress(MutableDirectBuffer b, int p, NodeAddress a) {
        p = WireStrings.put(b, p, a.system());
        p = WireStrings.put(b, p, a.host());
        b.putInt(p, a.port(), FrameHeader.ORDER);
        return p + 4;
    }

    private static NodeAddress getAddress(DirectBuffer b, int[] cursor, int end, String which)
            throws MalformedFrameException {
        String system = WireStrings.get(b, cursor, end, 0, MAX_SYSTEM, "handshake " + which + " system");
        String host = WireStrings.get(b, cursor, end, 0, MAX_HOST, "handshake " + which + " host");
        if (cursor[0] + 4 > end) {
            throw new MalformedFrameException("handshake " + which + " address is cut short");
        }
        int port = b.getInt(cursor[0], FrameHeader.ORDER);
        cursor[0] += 4;
        try {
            return new NodeAddress(system, host, port);
        } catch (IllegalArgumentException e) {
            throw new MalformedFrameException("handshake " + which + " address: " + e.getMessage());
        }
    }
}
