package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The shard actors of a server, by global shard index: this node's own (local) shards and, in a
 * cluster, refs to the other nodes' shards as the receptionist last announced them
 * ({@link ShardDirectory} fills and refreshes them). Thread-safe: connections read it while the
 * directory replaces a ref (a node restarted).
 */
final class ShardTable {
    private final AtomicReferenceArray<ActorRef<ShardMsg>> refs;
    private final int firstLocal;
    private final int localCount;

    /**
     * @param total      shards of the whole cluster
     * @param firstLocal global index of this node's first shard
     * @param local      this node's shards, in order
     */
    ShardTable(int total, int firstLocal, List<ActorRef<ShardMsg>> local) {
        if (firstLocal < 0 || firstLocal + local.size() > total) {
            throw new IllegalArgumentException("local shards " + firstLocal + "+" + local.size() + " outside " + total);
        }
        this.refs = new AtomicReferenceArray<>(total);
        this.firstLocal = firstLocal;
        this.localCount = local.size();
        for (int i = 0; i < local.size(); i++) {
            refs.set(firstLocal + i, local.get(i));
        }
    }

    /** A table of local shards only (a server outside a cluster). */
    static ShardTable localOnly(List<ActorRef<ShardMsg>> shards) {
        return new ShardTable(shards.size(), 0, shards);
    }

    /** How many shards the cluster has. */
    int size() {
        return refs.length();
    }

    /** The ref of global shard {@code shard}; null while no node has announced it. */
    ActorRef<ShardMsg> get(int shard) {
        return refs.get(shard);
    }

    /** Whether this node runs global shard {@code shard}. */
    boolean isLocal(int shard) {
        return shard >= firstLocal && shard < firstLocal + localCount;
    }

    int firstLocal() {
        return firstLocal;
    }

    int localCount() {
        return localCount;
    }

    /** Sets the ref of a remote shard; returns whether it changed. */
    boolean setRemote(int shard, ActorRef<ShardMsg> ref) {
        if (isLocal(shard)) {
            throw new IllegalArgumentException("shard " + shard + " is local");
        }
        ActorRef<ShardMsg> old = refs.get(shard);
        if (ref.equals(old)) {
            return false;
        }
        refs.set(shard, ref); // only the directory writes
        return true;
    }

    /** How many shards have a ref. */
    int known() {
        int n = 0;
        for (int i = 0; i < refs.length(); i++) {
            n += refs.get(i) != null ? 1 : 0;
        }
        return n;
    }
}
