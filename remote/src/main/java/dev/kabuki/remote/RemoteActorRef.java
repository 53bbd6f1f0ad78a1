package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.internal.WatchableRef;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A ref to an actor on another node: the same {@code tell}, {@code tryTell} and {@code ask} as a
 * local ref, and watchable by local actors. Made by {@link RemoteActors#lookup} or when a message
 * from another node carries a ref.
 *
 * <p>Delivery: {@code tell} is at most once and in order per sender and receiver (as in Pekko):
 * the message is serialized on the caller's thread into the peer's bounded outbound queue; if
 * the queue is full or the node is down it goes to dead letters (counted), and {@code tryTell}
 * returns false instead. A message larger than the largest remote message fails at once with an
 * {@link IllegalArgumentException}, and one of a type the node does not allow with a
 * {@link DisallowedTypeException}.
 *
 * <p>Thread-safe; no method blocks.
 */
final class RemoteActorRef<M> implements WatchableRef<M> {
    final RemoteActors remote;
    final NodeAddress node;
    /** The actor's path on its node, e.g. {@code /user/counter}. */
    final String path;
    /** The actor's incarnation, or 0 for whichever actor is at the path. */
    final int uid;

    RemoteActorRef(RemoteActors remote, NodeAddress node, String path, int uid) {
        this.remote = remote;
        this.node = node;
        this.path = path;
        this.uid = uid;
    }

    @Override
    public void tell(M message) {
        Objects.requireNonNull(message, "message");
        if (!remote.send(this, message, 0L)) {
            remote.deadLetter(message, this, "outbound queue to " + node + " is full");
        }
    }

    @Override
    public boolean tryTell(M message) {
        Objects.requireNonNull(message, "message");
        return remote.send(this, message, 0L);
    }

    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        return remote.asks().ask(this, request, timeout);
    }

    /** {@code kabuki://system@host:port/path}: where the actor lives. */
    @Override
    public String path() {
        return node + path;
    }

    @Override
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public void addWatcher(Runnable notify) {
        remote.watches().watch(this, notify);
    }

    @Override
    public void removeWatcher(Runnable notify) {
        remote.watches().unwatch(this, notify);
    }

    /** The wire form: {@code kabuki://system@host:port/path#uid}. */
    String wire() {
        return node + path + "#" + uid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteActorRef<?> r && r.node.equals(node) && r.path.equals(path) && r.uid == uid;
    }

    @Override
    public int hashCode() {
        return (node.hashCode() * 31 + path.hashCode()) * 31 + uid;
    }

    @Override
    public String toString() {
        return "ActorRef[" + wire() + "]";
    }
}
