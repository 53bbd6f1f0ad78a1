package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import java.util.Objects;
import java.util.Set;

/**
 * What the receptionist knows under one key at one moment: sent to a subscriber of
 * {@link RemoteActors#subscribe(ServiceKey, ActorRef)} when it subscribes, then after every
 * change (an actor registered or stopped on this node or another, a node gone down).
 *
 * @param key  the key subscribed to
 * @param refs the actors registered under it on this node and on every node up, as this node
 *             knows them; unmodifiable, in registration order per node
 * @param <M>  the registered actors' message type
 */
public record Listing<M>(ServiceKey<M> key, Set<ActorRef<M>> refs) {
    public Listing {
        Objects.requireNonNull(key, "key");
        refs = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(refs));
    }
}
