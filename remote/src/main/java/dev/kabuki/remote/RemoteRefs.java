package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.internal.ActorSystemInternals;
import dev.kabuki.scheduler.JoinHandle;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * How refs cross nodes: the {@link RefCodec} of a system's remote side. A ref is written as
 * {@code kabuki://system@host:port/path#uid} and read back as the local actor it names (if it
 * still lives: same path and incarnation) or as a {@link RemoteActorRef}.
 *
 * <ul>
 *   <li>A local actor written into a message is <em>exported</em>: kept by path and uid until it
 *       stops, so a message that comes back to it (a reply address, children included) finds it.
 *       Top-level actors are also found by name ({@code /user/name}).</li>
 *   <li>A local ref that is not an actor (an ask's reply address) is exported under a fresh
 *       {@code /temp/n} path for one message: the first message to it removes it; one never
 *       answered is swept after {@link #TEMP_TTL}.</li>
 *   <li>A local path with no live actor reads as a ref whose messages go to dead letters.</li>
 * </ul>
 * Thread-safe (concurrent maps); never blocks.
 */
final class RemoteRefs implements RefCodec {
    static final Duration TEMP_TTL = Duration.ofMinutes(5);
    private static final int SWEEP_EVERY = 1024;

    private record Temp(ActorRef<?> ref, long createdNanos) {
    }

    private final RemoteActors remote;
    private final ConcurrentHashMap<String, ActorRef<?>> exported = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Temp> temp = new ConcurrentHashMap<>();
    private final AtomicLong tempIds = new AtomicLong();

    RemoteRefs(RemoteActors remote) {
        this.remote = remote;
    }

    @Override
    public String toWire(ActorRef<?> ref) {
        if (ref instanceof RemoteActorRef<?> r) {
            return r.wire();
        }
        if (ref instanceof RemoteAsks.ReplyRef<?> reply && reply.path != null) {
            return remote.address() + reply.path + "#0";
        }
        int uid = ActorSystemInternals.actorUid(ref);
        if (uid != 0) {
            String key = ref.path() + "#" + uid;
            if (exported.putIfAbsent(key, ref) == null
                    && !ActorSystemInternals.addWatcher(ref, () -> exported.remove(key, ref))) {
                exported.remove(key, ref);
            }
            return remote.address() + key;
        }
        return remote.address() + exportTemp(ref) + "#0";
    }

    /** Exports a non-actor ref for one message; returns its {@code /temp/n} path. */
    String exportTemp(ActorRef<?> ref) {
        long id = tempIds.incrementAndGet();
        if (id % SWEEP_EVERY == 0) {
            long now = System.nanoTime();
            temp.values().removeIf(t -> now - t.createdNanos() > TEMP_TTL.toNanos());
        }
        String path = "/temp/" + id;
        temp.put(path, new Temp(ref, System.nanoTime()));
        return path;
    }

    /** Forgets a temp export no message used (its ask ended otherwise). */
    void forgetTemp(String path) {
        temp.remove(path);
    }

    @Override
    public ActorRef<?> fromWire(String wire) {
        int hash = wire.lastIndexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("not a ref (no #uid): " + wire);
        }
        int uid;
        URI uri;
        try {
            uid = Integer.parseInt(wire.substring(hash + 1));
            uri = new URI(wire.substring(0, hash));
        } catch (NumberFormatException | URISyntaxException e) {
            throw new IllegalArgumentException("not a ref: " + wire, e);
        }
        NodeAddress node = NodeAddress.of(uri);
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/") || path.length() > UserFrame.MAX_PATH) {
            throw new IllegalArgumentException("not a ref (bad path): " + wire);
        }
        if (!node.equals(remote.address())) {
            return new RemoteActorRef<>(remote, node, path, uid);
        }
        ActorRef<?> local = peekLocal(path, uid);
        return local != null ? local : new UnresolvedRef<>(remote, path + "#" + uid);
    }

    /**
     * The local recipient of a message that arrived for {@code path} (and incarnation
     * {@code uid}, 0 for any), or null. Takes a temp export (it serves one message).
     */
    @SuppressWarnings("unchecked")
    ActorRef<Object> takeLocal(String path, int uid) {
        if (path.startsWith("/temp/")) {
            Temp t = temp.remove(path);
            return t == null ? null : (ActorRef<Object>) t.ref();
        }
        return (ActorRef<Object>) peekLocal(path, uid);
    }

    /** The live local actor at {@code path} (incarnation {@code uid}, 0 for any) for a remote watch, or null. */
    ActorRef<?> localForWatch(String path, int uid) {
        return path.startsWith("/temp/") ? null : peekLocal(path, uid);
    }

    private ActorRef<?> peekLocal(String path, int uid) {
        if (path.startsWith("/temp/")) {
            Temp t = temp.get(path);
            return t == null ? null : t.ref();
        }
        if (uid != 0) {
            ActorRef<?> r = exported.get(path + "#" + uid);
            if (r != null) {
                return r;
            }
        }
        if (path.startsWith("/user/") && path.indexOf('/', 6) < 0) {
            ActorRef<?> top = ActorSystemInternals.topLevel(remote.system(), path.substring(6));
            if (top != null && (uid == 0 || ActorSystemInternals.actorUid(top) == uid)) {
                return top;
            }
        }
        return null;
    }

    /** A ref read from the wire that names a local actor no longer there: its messages go to dead letters. */
    static final class UnresolvedRef<M> implements ActorRef<M> {
        private final RemoteActors remote;
        private final String path;

        UnresolvedRef(RemoteActors remote, String path) {
            this.remote = remote;
            this.path = path;
        }

        @Override
        public void tell(M message) {
            remote.deadLetter(message, this, "no actor at this path any more");
        }

        @Override
        public boolean tryTell(M message) {
            tell(message);
            return true;
        }

        @Override
        public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
            dev.kabuki.scheduler.Promise<R> p = remote.system().promise();
            p.fail(new dev.kabuki.actors.ActorTerminatedException("no actor at " + path()));
            return p;
        }

        @Override
        public String path() {
            return remote.address() + path;
        }

        @Override
        public String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        @Override
        public String toString() {
            return "ActorRef[" + path() + " (gone)]";
        }
    }
}
