package dev.kabuki.examples.net;

import java.util.function.Consumer;

/**
 * Applies replayed journal records to the keyspaces of the shards about to start, each record
 * to the shard that owns its key under the current shard count (which may differ from the count
 * of the run that wrote it: keys are placed by hash, not by the shard that journaled them).
 * A record whose deadline has passed by {@code now} deletes its key.
 */
final class KeyspaceRestorer implements Consumer<JournalRecord> {
    private final Keyspace[] keyspaces;
    private final long now;

    KeyspaceRestorer(Keyspace[] keyspaces, long now) {
        this.keyspaces = keyspaces;
        this.now = now;
    }

    @Override
    public void accept(JournalRecord record) {
        int n = keyspaces.length;
        switch (record) {
            case JournalRecord.Put p -> {
                BinaryKey key = new BinaryKey(p.key());
                Keyspace ks = keyspaces[key.shard(n)];
                if (p.expireAt() != Keyspace.NEVER && p.expireAt() <= now) {
                    ks.remove(key, now);
                } else {
                    ks.put(key, p.value(), p.expireAt(), now);
                }
            }
            case JournalRecord.Delete d -> {
                BinaryKey key = new BinaryKey(d.key());
                keyspaces[key.shard(n)].remove(key, now);
            }
            case JournalRecord.FlushShard f -> {
                if (f.shardCount() == n) {
                    keyspaces[f.shard()].clear();
                } else {
                    for (Keyspace ks : keyspaces) {
                        ks.removeIf(key -> key.shard(f.shardCount()) == f.shard());
                    }
                }
            }
        }
    }
}
