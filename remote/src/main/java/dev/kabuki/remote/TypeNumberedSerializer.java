package dev.kabuki.remote;

import java.nio.ByteOrder;
import java.util.Objects;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The layout every kabuki serializer writes: the message's type number (its index in
 * {@link AllowedTypes}), 4 bytes little-endian, then the body a library writes. The number is
 * checked against the allow-list before the body is read, and the body must decode to exactly
 * that type; what a library may instantiate inside the body is its subclass's business.
 *
 * <p>Stateless apart from the immutable allow-list; thread-safe if the body codec is.
 */
abstract class TypeNumberedSerializer implements MessageSerializer {
    static final int TYPE_NUMBER_LENGTH = 4;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    final AllowedTypes allowed;
    final RefCodec refs;

    TypeNumberedSerializer(AllowedTypes allowed, RefCodec refs) {
        this.allowed = Objects.requireNonNull(allowed, "allowed");
        this.refs = Objects.requireNonNull(refs, "refs");
    }

    @Override
    public final int write(Object message, MutableDirectBuffer out, int offset) {
        Objects.requireNonNull(message, "message");
        int number = allowed.numberOf(message.getClass());
        if (number < 0) {
            throw new DisallowedTypeException(notAllowed(message.getClass()));
        }
        out.putInt(offset, number, ORDER);
        return TYPE_NUMBER_LENGTH + writeBody(message, out, offset + TYPE_NUMBER_LENGTH);
    }

    @Override
    public final Object read(DirectBuffer in, int offset, int length) {
        if (length < TYPE_NUMBER_LENGTH) {
            throw new SerializationException("a message of " + length + " bytes is shorter than its "
                    + TYPE_NUMBER_LENGTH + "-byte type number");
        }
        int number = in.getInt(offset, ORDER);
        Class<?> type = allowed.typeOf(number);
        if (type == null) {
            throw new DisallowedTypeException("type number " + number + " is not in the allow-list of "
                    + allowed.size() + " types (fingerprint " + Long.toHexString(allowed.fingerprint()) + ")");
        }
        Object message = readBody(type, in, offset + TYPE_NUMBER_LENGTH, length - TYPE_NUMBER_LENGTH);
        if (message == null || allowed.numberOf(message.getClass()) != number) {
            throw new SerializationException("the bytes of type number " + number + " (" + type.getName()
                    + ") decoded to " + (message == null ? "null" : "a " + message.getClass().getName()));
        }
        return message;
    }

    /** Writes the body of an allowed message; returns its length. */
    abstract int writeBody(Object message, MutableDirectBuffer out, int offset);

    /**
     * Reads a body that claims to be of {@code type} (allowed); throws only
     * {@link SerializationException} for bad bytes.
     */
    abstract Object readBody(Class<?> type, DirectBuffer in, int offset, int length);

    static String notAllowed(Class<?> type) {
        return type.getName() + " is not an allowed message type: allow it, or a sealed type that"
                + " permits it (RemoteSettings.allow)";
    }
}
