package dev.kabuki.remote;

/**
 * A message could not be written to, or read from, its wire form. The message says which
 * message type or type number, and why; the cause, if any, is the serialization library's own
 * exception.
 *
 * <p>On read this is the only exception a {@link MessageSerializer} throws for bad bytes,
 * whatever they are (truncated, corrupted, forged), so the transport can drop the frame and count
 * it. {@link DisallowedTypeException} is the case where the bytes, or the message, name a type
 * outside the allow-list.
 */
public class SerializationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message and no cause. */
    public SerializationException(String message) {
        super(message);
    }

    /** An exception with this message and this cause. */
    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
