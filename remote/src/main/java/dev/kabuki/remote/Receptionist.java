package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.MailboxFullException;
import dev.kabuki.actors.internal.ActorSystemInternals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Service discovery across nodes: a local actor registered under a key is announced (REGISTER,
 * a reliable system message) to every node that is up, and to each node that comes up later;
 * when it stops, DEREGISTER follows. A node keeps what others announced until they deregister or
 * go down. {@link #find} answers from what this node knows now, with no round trip: eventually
 * consistent, as Pekko's receptionist. {@link #subscribe} sends a key's listing at once and after
 * each change, as Pekko's {@code Receptionist.Subscribe}.
 *
 * <p>Thread-safety: one monitor over the tables; sends and watcher registration happen outside
 * it. Never blocks beyond that monitor.
 */
final class Receptionist {
    static final String PREFIX = "/receptionist/";

    private record Entry(String key, String path, int uid) {
    }

    private final RemoteActors remote;
    /** Local registrations, by key id. */
    private final Map<String, Set<ActorRef<?>>> local = new HashMap<>();
    /** What other nodes announced: node, then key id, then the refs. */
    private final Map<NodeAddress, Map<String, Set<RemoteActorRef<?>>>> announced = new HashMap<>();
    private final Set<NodeAddress> upNodes = new LinkedHashSet<>();
    /** Subscribers to each key id's listing (local actors; each removed when it stops). */
    private final Map<String, List<Subscription<?>>> subscriptions = new HashMap<>();

    private record Subscription<M>(ServiceKey<M> key, ActorRef<? super Listing<M>> subscriber) {
        /**
         * Never throws: a subscriber whose bounded mailbox fails when full loses this listing to
         * dead letters (the next change sends a whole new one), and the change that caused it
         * (a registration, an announcement on the remote thread) goes on.
         */
        void send(ActorSystem system, Set<ActorRef<M>> refs) {
            Listing<M> listing = new Listing<>(key, refs);
            try {
                subscriber.tell(listing);
            } catch (MailboxFullException full) {
                ActorSystemInternals.deadLetter(system, listing, subscriber.path(), full.getMessage());
            }
        }
    }

    Receptionist(RemoteActors remote) {
        this.remote = remote;
    }

    <M> void register(ServiceKey<M> key, ActorRef<M> ref) {
        int uid = ActorSystemInternals.actorUid(ref);
        if (uid == 0) {
            throw new IllegalArgumentException(ref + " is not a local actor of this system: only local actors are"
                    + " registered (each node registers its own)");
        }
        // Export the ref as a ref inside a message is exported: a child actor (not under /user/<name>
        // directly) is found by a frame only through its export, until it stops.
        remote.refs().toWire(ref);
        List<NodeAddress> tell;
        synchronized (this) {
            if (!local.computeIfAbsent(key.id(), k -> new LinkedHashSet<>()).add(ref)) {
                return;
            }
            changed(key.id());
            tell = new ArrayList<>(upNodes);
        }
        Entry e = new Entry(key.id(), ref.path(), uid);
        for (NodeAddress n : tell) {
            announce(n, ControlCodec.SystemKind.REGISTER, e);
        }
        ActorSystemInternals.addWatcher(ref, () -> deregister(key.id(), ref, e));
    }

    private void deregister(String key, ActorRef<?> ref, Entry e) {
        List<NodeAddress> tell;
        synchronized (this) {
            Set<ActorRef<?>> set = local.get(key);
            if (set == null || !set.remove(ref)) {
                return;
            }
            if (set.isEmpty()) {
                local.remove(key);
            }
            changed(key);
            tell = new ArrayList<>(upNodes);
        }
        for (NodeAddress n : tell) {
            announce(n, ControlCodec.SystemKind.DEREGISTER, e);
        }
    }

    /** This node's own registrations and what the others announced, for {@code key}. */
    synchronized <M> Set<ActorRef<M>> find(ServiceKey<M> key) {
        return listing(key.id());
    }

    /**
     * Sends {@code subscriber} the listing of {@code key} now, then after each change, until it
     * stops or the returned handle is closed. The listing is computed and sent under the
     * monitor, so a subscriber gets the changes in the order they were made.
     */
    <M> AutoCloseable subscribe(ServiceKey<M> key, ActorRef<? super Listing<M>> subscriber) {
        if (ActorSystemInternals.actorUid(subscriber) == 0) {
            throw new IllegalArgumentException(subscriber + " is not a local actor of this system: only local actors"
                    + " subscribe to the receptionist");
        }
        Subscription<M> s = new Subscription<>(key, subscriber);
        synchronized (this) {
            subscriptions.computeIfAbsent(key.id(), k -> new ArrayList<>()).add(s);
            s.send(remote.system(), listing(key.id()));
        }
        Runnable end = () -> {
            synchronized (this) {
                List<Subscription<?>> list = subscriptions.get(key.id());
                if (list != null && list.remove(s) && list.isEmpty()) {
                    subscriptions.remove(key.id());
                }
            }
        };
        ActorSystemInternals.addWatcher(subscriber, end);
        return () -> {
            end.run();
            ActorSystemInternals.removeWatcher(subscriber, end);
        };
    }

    /** Under the monitor: tells {@code keyId}'s subscribers its listing after a change. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void changed(String keyId) {
        List<Subscription<?>> list = subscriptions.get(keyId);
        if (list == null) {
            return;
        }
        Set refs = listing(keyId);
        for (Subscription s : list) {
            s.send(remote.system(), refs);
        }
    }

    @SuppressWarnings("unchecked")
    private <M> Set<ActorRef<M>> listing(String keyId) {
        Set<ActorRef<M>> all = new LinkedHashSet<>();
        for (ActorRef<?> r : local.getOrDefault(keyId, Set.of())) {
            all.add((ActorRef<M>) r);
        }
        for (Map<String, Set<RemoteActorRef<?>>> byKey : announced.values()) {
            for (RemoteActorRef<?> r : byKey.getOrDefault(keyId, Set.of())) {
                all.add((ActorRef<M>) r);
            }
        }
        return all;
    }

    void nodeUp(NodeAddress node) {
        List<Entry> mine = new ArrayList<>();
        synchronized (this) {
            upNodes.add(node);
            local.forEach((key, refs) -> refs.forEach(r ->
                    mine.add(new Entry(key, r.path(), ActorSystemInternals.actorUid(r)))));
        }
        for (Entry e : mine) {
            announce(node, ControlCodec.SystemKind.REGISTER, e);
        }
    }

    synchronized void nodeDown(NodeAddress node) {
        upNodes.remove(node);
        Map<String, Set<RemoteActorRef<?>>> gone = announced.remove(node);
        if (gone != null) {
            gone.forEach((key, refs) -> {
                if (!refs.isEmpty()) {
                    changed(key);
                }
            });
        }
    }

    /** REGISTER or DEREGISTER from {@code node}. */
    synchronized void announcement(NodeAddress node, ControlCodec.SystemFrame f) {
        if (!f.watcher().startsWith(PREFIX)) {
            return;
        }
        String key = f.watcher().substring(PREFIX.length());
        RemoteActorRef<?> ref = new RemoteActorRef<>(remote, node, f.watchee(), f.watcheeUid());
        Map<String, Set<RemoteActorRef<?>>> byKey = announced.computeIfAbsent(node, n -> new HashMap<>());
        boolean changed;
        if (f.kind() == ControlCodec.SystemKind.REGISTER) {
            changed = byKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(ref);
        } else {
            Set<RemoteActorRef<?>> set = byKey.get(key);
            changed = set != null && set.remove(ref);
        }
        if (changed) {
            changed(key);
        }
    }

    private void announce(NodeAddress node, ControlCodec.SystemKind kind, Entry e) {
        remote.agent().sendSystem(node, new ControlCodec.SystemFrame(0, kind, e.uid(), e.path(), 0, PREFIX + e.key()));
    }
}
