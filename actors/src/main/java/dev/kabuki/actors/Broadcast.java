package dev.kabuki.actors;

import java.util.Objects;

/**
 * A message for every routee of a {@link Router}: {@code router.tell(new Broadcast<>(msg))}
 * (or {@link Router#broadcast}) sends {@code msg} itself, unwrapped, to each routee of the
 * router's current snapshot. Sent to a router with no routees, the {@code Broadcast} goes to dead
 * letters. Sent to a plain actor, it is an ordinary message.
 *
 * @param message what each routee receives; not null
 * @param <M>     the routees' message type
 */
public record Broadcast<M>(M message) {

    /** @throws NullPointerException {@code message} is null */
    public Broadcast {
        Objects.requireNonNull(message, "message");
    }
}
