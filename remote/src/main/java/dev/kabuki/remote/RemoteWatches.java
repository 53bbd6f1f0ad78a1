package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.internal.ActorSystemInternals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Remote death watch, both ways.
 *
 * <p><b>Watching an actor elsewhere.</b> All local watchers of one remote actor share one remote
 * watch: the first sends WATCH (a reliable system message), the last to leave sends UNWATCH.
 * TERMINATED from its node, or the node's going down, runs every watcher's notification once.
 * Watching an actor on a node that is down (and has not come up since) notifies at once.
 *
 * <p><b>Being watched from elsewhere.</b> WATCH from a node registers one notification on the
 * local actor, which sends TERMINATED back when the actor ends (at once if there is no such
 * actor); UNWATCH or the watching node's going down removes it.
 *
 * <p>Thread-safety: one monitor guards both tables (watches are rare next to messages);
 * notifications run outside it, as does sending. Never blocks beyond that monitor.
 */
final class RemoteWatches {
    static final String NODE_WATCHER = "/system/remote";

    private record Inbound(NodeAddress node, String path, int uid) {
    }

    private final RemoteActors remote;
    private final Map<RemoteActorRef<?>, Set<Runnable>> watching = new HashMap<>();
    private final Map<Inbound, Runnable> watchedHere = new HashMap<>();
    private final Map<Inbound, ActorRef<?>> watchedActors = new HashMap<>();
    private final Set<NodeAddress> down = new HashSet<>();

    RemoteWatches(RemoteActors remote) {
        this.remote = remote;
    }

    // ---------------------------------------------------------------- outbound

    void watch(RemoteActorRef<?> target, Runnable notify) {
        boolean first;
        synchronized (this) {
            if (down.contains(target.node)) {
                first = false; // notify stays set: it runs below, outside the monitor
            } else {
                Set<Runnable> set = watching.computeIfAbsent(target, t -> new LinkedHashSet<>());
                first = set.isEmpty();
                set.add(notify);
                notify = null;
            }
        }
        if (notify != null) {
            notify.run();
        } else if (first) {
            remote.agent().sendSystem(target.node, frame(ControlCodec.SystemKind.WATCH, target.uid, target.path));
        }
    }

    void unwatch(RemoteActorRef<?> target, Runnable notify) {
        boolean last = false;
        synchronized (this) {
            Set<Runnable> set = watching.get(target);
            if (set != null && set.remove(notify) && set.isEmpty()) {
                watching.remove(target);
                last = true;
            }
        }
        if (last) {
            remote.agent().sendSystem(target.node, frame(ControlCodec.SystemKind.UNWATCH, target.uid, target.path));
        }
    }

    /** TERMINATED from {@code node}: the actor at {@code path} (watched as incarnation {@code uid}) ended. */
    void terminated(NodeAddress node, String path, int uid) {
        Set<Runnable> set;
        synchronized (this) {
            set = watching.remove(new RemoteActorRef<>(remote, node, path, uid));
        }
        if (set != null) {
            set.forEach(Runnable::run);
        }
    }

    /** Whether {@code node} went down and has not come up since. */
    synchronized boolean isDown(NodeAddress node) {
        return down.contains(node);
    }

    synchronized void nodeUp(NodeAddress node) {
        down.remove(node);
    }

    /** {@code node}'s incarnation is gone: every watch of its actors fires, its watches here end. */
    void nodeDown(NodeAddress node) {
        List<Runnable> fire = new ArrayList<>();
        List<Map.Entry<ActorRef<?>, Runnable>> unregister = new ArrayList<>();
        synchronized (this) {
            down.add(node);
            for (Iterator<Map.Entry<RemoteActorRef<?>, Set<Runnable>>> it = watching.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<RemoteActorRef<?>, Set<Runnable>> e = it.next();
                if (e.getKey().node.equals(node)) {
                    fire.addAll(e.getValue());
                    it.remove();
                }
            }
            for (Iterator<Map.Entry<Inbound, Runnable>> it = watchedHere.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Inbound, Runnable> e = it.next();
                if (e.getKey().node().equals(node)) {
                    unregister.add(Map.entry(watchedActors.remove(e.getKey()), e.getValue()));
                    it.remove();
                }
            }
        }
        for (Map.Entry<ActorRef<?>, Runnable> e : unregister) {
            ActorSystemInternals.removeWatcher(e.getKey(), e.getValue());
        }
        fire.forEach(Runnable::run);
    }

    // ---------------------------------------------------------------- inbound

    /** WATCH from {@code node} of the local actor at {@code path} (incarnation {@code uid}, 0 for any). */
    void watchedFrom(NodeAddress node, String path, int uid) {
        ActorRef<?> local = remote.refs().localForWatch(path, uid);
        if (local == null) {
            remote.agent().sendSystem(node, frame(ControlCodec.SystemKind.TERMINATED, uid, path));
            return;
        }
        Inbound key = new Inbound(node, path, uid);
        Runnable notify = () -> {
            boolean mine;
            synchronized (this) {
                mine = watchedHere.remove(key) != null;
                watchedActors.remove(key);
            }
            if (mine) {
                remote.agent().sendSystem(node, frame(ControlCodec.SystemKind.TERMINATED, uid, path));
            }
        };
        synchronized (this) {
            if (watchedHere.putIfAbsent(key, notify) != null) {
                return;
            }
            watchedActors.put(key, local);
        }
        ActorSystemInternals.addWatcher(local, notify); // runs notify at once if the actor has ended
    }

    void unwatchedFrom(NodeAddress node, String path, int uid) {
        Inbound key = new Inbound(node, path, uid);
        Runnable notify;
        ActorRef<?> local;
        synchronized (this) {
            notify = watchedHere.remove(key);
            local = watchedActors.remove(key);
        }
        if (notify != null && local != null) {
            ActorSystemInternals.removeWatcher(local, notify);
        }
    }

    private static ControlCodec.SystemFrame frame(ControlCodec.SystemKind kind, int uid, String path) {
        return new ControlCodec.SystemFrame(0, kind, uid, path, 0, NODE_WATCHER);
    }
}
