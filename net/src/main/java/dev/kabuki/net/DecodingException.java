package dev.kabuki.net;

/**
 * Thrown by a {@link Codec.Decoder} when the bytes received can never become a valid frame: a
 * frame longer than the codec's limit, an invalid length prefix, a malformed header. The
 * connection is then closed with {@link CloseReason.Kind#DECODING_FAILED} and this exception as
 * the reason's cause, which the handler sees in its {@link TcpEvent.Closed} event.
 */
public class DecodingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An exception with a message saying what was wrong with the input. */
    public DecodingException(String message) {
        super(message);
    }

    /** An exception with a message and the exception that caused it. */
    public DecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
