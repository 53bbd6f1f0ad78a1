package dev.kabuki.examples.net;

import java.util.function.Consumer;

/**
 * Applies replayed journal records to the keyspaces of the shards about to start, each record
 * to the shard that owns its key under the current shard count (which may differ from the count
 * of the run that wrote it: keys are placed by hash, not by the shard that journaled them).
 * A record whose deadline has passed by {@code now} deletes its key.
 *
 * <p>In a cluster a node runs the global shards {@code [firstShard, firstShard + keyspaces.length)}
 * of {@code totalShards}, and its journal holds only their writes; a record for a key another node
 * owns under the current layout (the layout changed between runs) is skipped and counted, since
 * nothing moves keys between nodes.
 */
final class KeyspaceRestorer implements Consumer<JournalRecord> {
    private final Keyspace[] keyspaces;
    private final int firstShard;
    private final int totalShards;
    private final long now;
    private long foreign;

    KeyspaceRestorer(Keyspace[] keyspaces, long now) {
        this(keyspaces, 0, keyspaces.length, now);
    }

    /**
     * @param firstShard  the global index of {@code keyspaces[0]}
     * @param totalShards the shards of the whole cluster
     */
    KeyspaceRestorer(Keyspace[] keyspaces, int firstShard, int totalShards, long now) {
        if (firstShard < 0 || firstShard + keyspaces.length > totalShards) {
            throw new IllegalArgumentException("shards " + firstShard + ".." + (firstShard + keyspaces.length - 1)
                    + " are not within " + totalShards);
        }
        this.keyspaces = keyspaces;
        this.firstShard = firstShard;
        this.totalShards = totalShards;
        this.now = now;
    }

    /** Records skipped because their key belongs to another node under the current layout. */
    long foreignRecords() {
        return foreign;
    }

    /** The keyspace owning {@code key}, or null if another node owns it. */
    private Keyspace owner(BinaryKey key) {
        int local = key.shard(totalShards) - firstShard;
        if (local < 0 || local >= keyspaces.length) {
            foreign++;
            return null;
        }
        return keyspaces[local];
    }

    @Override
    public void accept(JournalRecord record) {
        switch (record) {
            case JournalRecord.Put p -> {
                BinaryKey key = new BinaryKey(p.key());
                Keyspace ks = owner(key);
                if (ks == null) {
                    return;
                }
                if (p.expireAt() != Keyspace.NEVER && p.expireAt() <= now) {
                    ks.remove(key, now);
                } else {
                    ks.put(key, p.value(), p.expireAt(), now);
                }
            }
            case JournalRecord.Delete d -> {
                BinaryKey key = new BinaryKey(d.key());
                Keyspace ks = owner(key);
                if (ks != null) {
                    ks.remove(key, now);
                }
            }
            case JournalRecord.FlushShard f -> {
                int local = f.shard() - firstShard;
                if (f.shardCount() == totalShards) {
                    if (local >= 0 && local < keyspaces.length) {
                        keyspaces[local].clear();
                    }
                } else {
                    for (Keyspace ks : keyspaces) {
                        ks.removeIf(key -> key.shard(f.shardCount()) == f.shard());
                    }
                }
            }
        }
    }
}
