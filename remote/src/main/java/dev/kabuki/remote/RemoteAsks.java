package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorTerminatedException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Asks to actors on other nodes. An ask exports a one-message reply address ({@code /temp/n})
 * that travels inside the request; the reply completes the ask's promise. The ask fails at once,
 * not at its timeout, when the target's node answers that no actor is at the path
 * (NO_RECIPIENT), or when the node goes down ({@link RemoteNodeDownException}); otherwise it
 * times out as a local ask does.
 *
 * <p>Thread-safe: pending asks live in a concurrent map, and each promise completes once
 * (whichever of reply, failure and timeout comes first wins). Never blocks.
 */
final class RemoteAsks {
    private record Pending(RemoteActorRef<?> target, Promise<?> promise, String replyPath) {
    }

    private final RemoteActors remote;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    RemoteAsks(RemoteActors remote) {
        this.remote = remote;
    }

    <M, R> JoinHandle<R> ask(RemoteActorRef<M> target, Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        Promise<R> promise = remote.system().promise();
        if (remote.watches().isDown(target.node)) {
            promise.fail(new RemoteNodeDownException(target.node, "down before the ask"));
            return promise;
        }
        ReplyRef<R> reply = new ReplyRef<>(promise, target);
        reply.path = remote.refs().exportTemp(reply);
        M message = Objects.requireNonNull(request.apply(reply), "request returned null");
        long id = ids.incrementAndGet();
        pending.put(id, new Pending(target, promise, reply.path));
        promise.whenComplete((v, e) -> {
            pending.remove(id);
            remote.refs().forgetTemp(reply.path);
        });
        promise.orTimeout(timeout);
        boolean sent;
        try {
            sent = remote.send(target, message, id);
        } catch (RuntimeException e) {
            promise.fail(e);
            return promise;
        }
        if (!sent) {
            promise.fail(new RejectedExecutionException("outbound queue to " + target.node + " is full"));
        }
        return promise;
    }

    /** The target's node found no actor at the path of ask {@code id}. */
    void noRecipient(long id) {
        Pending p = pending.get(id);
        if (p != null) {
            p.promise().fail(new ActorTerminatedException("no actor at " + p.target().path()
                    + (p.target().uid != 0 ? " (incarnation " + p.target().uid + ")" : "")));
        }
    }

    /** Fails every ask to {@code node}'s actors. */
    void nodeDown(NodeAddress node, String reason) {
        for (Pending p : pending.values()) {
            if (p.target().node.equals(node)) {
                p.promise().fail(new RemoteNodeDownException(node, reason));
            }
        }
    }

    int pendingCount() {
        return pending.size();
    }

    /** The reply address of one remote ask: its first message completes the ask. */
    static final class ReplyRef<R> implements ActorRef<R> {
        private final Promise<R> promise;
        private final RemoteActorRef<?> target;
        /** Its {@code /temp/n} export; set before the ref is handed to the request function. */
        String path;

        ReplyRef(Promise<R> promise, RemoteActorRef<?> target) {
            this.promise = promise;
            this.target = target;
        }

        @Override
        public void tell(R message) {
            if (!promise.complete(message)) {
                target.remote.deadLetter(message, this, "ask already completed");
            }
        }

        @Override
        public boolean tryTell(R message) {
            tell(message);
            return true;
        }

        @Override
        public <Q> JoinHandle<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
            throw new UnsupportedOperationException("an ask's reply address cannot be asked");
        }

        @Override
        public String path() {
            return target.remote.address() + path;
        }

        @Override
        public String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "ActorRef[" + path() + " (reply to an ask of " + target.path() + ")]";
        }
    }
}
