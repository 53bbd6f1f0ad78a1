package dev.kabuki.net;

import java.nio.ByteBuffer;

/**
 * How a connection's bytes become frames of type {@code F} and frames become bytes: the
 * protocol of a {@link TcpServer} or {@link TcpClient}. Ready-made codecs are in
 * {@link Framing}; implement this interface for your own protocol.
 *
 * <h2>Decoding</h2>
 * Each connection gets its own {@link Decoder} from {@link #newDecoder()}, so a decoder may keep
 * state between calls (a scan offset, a partly parsed header). The I/O driver calls
 * {@link Decoder#decode} on its own thread with the bytes read so far:
 * <ul>
 *   <li>a decoder returns one frame and leaves the buffer's position just after that frame's
 *       bytes; the driver calls it again at once while it returns frames (many frames in one
 *       read work);</li>
 *   <li>it returns {@code null} when the buffer holds no whole frame; it may then have consumed
 *       nothing or a prefix it will not need again. The driver keeps the unconsumed bytes and
 *       calls again, with them at the start of the buffer, once more bytes arrive (a frame split
 *       across reads works);</li>
 *   <li>it throws {@link DecodingException} when the bytes can never become a valid frame (too
 *       long, malformed): the connection is closed with {@link CloseReason.Kind#DECODING_FAILED}
 *       and the exception as its cause.</li>
 * </ul>
 * A decoder must bound what it waits for: the driver keeps unconsumed bytes for as long as the
 * decoder returns {@code null}, so a decoder that never throws on a frame that is too long lets a
 * peer fill the server's memory. Check the length a header declares before waiting for the bytes,
 * and never allocate a declared length before its bytes have arrived.
 *
 * <p>The buffer passed to {@code decode} is the driver's and is reused after the call: a frame
 * must not keep a reference to it (copy the frame's bytes out, once).
 *
 * <h2>Encoding</h2>
 * {@link #encode} runs on the thread that calls {@link TcpConnection#write}, usually the handler
 * actor's; it may be called from several threads at once, so a codec must keep no mutable state
 * outside its decoders.
 *
 * @param <F> the frame type
 */
public interface Codec<F> {

    /** A new decoder for one connection. Called once per connection, on the I/O thread. */
    Decoder<F> newDecoder();

    /**
     * The bytes of {@code frame}, from the returned buffer's position to its limit. The buffer
     * is owned by the connection from then on: it is written later, from another thread, and
     * must not be changed by the caller afterwards.
     *
     * @throws IllegalArgumentException the frame cannot be encoded (too long, say)
     */
    ByteBuffer encode(F frame);

    /**
     * The decoding state of one connection. Used by one thread at a time (the I/O driver's);
     * needs no synchronization.
     *
     * @param <F> the frame type
     */
    interface Decoder<F> {
        /**
         * The next whole frame in {@code in} (consuming its bytes), or {@code null} if there is
         * none yet.
         *
         * @param in the bytes received and not yet consumed, from position to limit
         * @throws DecodingException the bytes can never become a valid frame; the connection is
         *                           closed with this as its reason
         */
        F decode(ByteBuffer in) throws DecodingException;
    }
}
