package dev.kabuki.remote;

/**
 * A message, or a value inside it, is of a type that is not allowed on the wire (see
 * {@link RemoteSettings#allow}): on write, the message names the class; on read, the type number
 * or class name the bytes claimed. Nothing of that type was instantiated.
 */
public final class DisallowedTypeException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message and no cause. */
    public DisallowedTypeException(String message) {
        super(message);
    }

    /** An exception with this message and this cause (the library's own refusal). */
    public DisallowedTypeException(String message, Throwable cause) {
        super(message, cause);
    }
}
