package dev.kabuki.remote;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Turns the user messages that cross between nodes into bytes and back. Only the types a node
 * allows (see {@link RemoteSettings#allow}) are written, and only they are ever instantiated on
 * read: bytes that name any other type are refused with a {@link DisallowedTypeException}
 * before anything of that type exists. The {@link dev.kabuki.actors.ActorRef}s inside a message
 * are written and resolved by a {@link RefCodec}. kabuki's own implementation needs no code from
 * the user for records, enums and sealed interfaces of them (nested, and in lists, sets, maps and
 * optionals), primitives, strings and byte arrays; Java serialization is never used.
 *
 * <p>Thread-safety: {@link #write} is called concurrently from every sending thread, and
 * {@link #read} from the threads of the receiving actors, so an implementation must be
 * thread-safe (or keep its mutable state per thread). Blocking: neither method ever blocks.
 */
public interface MessageSerializer {

    /**
     * Writes {@code message} into {@code out} from {@code offset}. An expandable buffer grows
     * as needed; a fixed one that is too small throws {@link IndexOutOfBoundsException}.
     *
     * @return how many bytes were written
     * @throws DisallowedTypeException the message, or a value inside it, is of a type that is
     *                                 not allowed; the message names the class
     * @throws SerializationException  the message cannot be written for another reason (for
     *                                 instance its {@link RefCodec} refused a ref)
     */
    int write(Object message, MutableDirectBuffer out, int offset);

    /**
     * Reads the message written at {@code offset}, {@code length} bytes long.
     *
     * @throws DisallowedTypeException the bytes name a type that is not allowed
     * @throws SerializationException  the bytes are not a message this serializer wrote
     *                                 (truncated, corrupted or forged); no other exception is
     *                                 thrown for bad bytes
     */
    Object read(DirectBuffer in, int offset, int length);
}
