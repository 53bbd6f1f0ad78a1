package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;

/**
 * How a {@link MessageSerializer} writes the {@link ActorRef}s inside a message, and gets them
 * back: the remote layer writes a ref as {@code kabuki://system@host:port/path#uid} and resolves
 * such a string to a local actor or a remote ref. A serializer never writes a ref any other way,
 * and never looks at the ref's class.
 *
 * <p>Thread-safe: called concurrently from every thread that sends or reads messages. Never
 * blocks.
 */
public interface RefCodec {

    /** The wire form of {@code ref}; not null. */
    String toWire(ActorRef<?> ref);

    /**
     * The ref that {@code wire} stands for.
     *
     * @throws IllegalArgumentException {@code wire} is not a ref this codec writes (the
     *                                  serializer reports it as a {@link SerializationException})
     */
    ActorRef<?> fromWire(String wire);
}
