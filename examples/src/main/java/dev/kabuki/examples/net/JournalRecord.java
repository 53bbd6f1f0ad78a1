package dev.kabuki.examples.net;

/**
 * One change to the keyspace, as the journal holds it: the effect of a write, not the command
 * (INCR is journaled as the value it produced; SET EX as its absolute deadline), so a replay
 * needs neither the clock of the original run nor the command's logic.
 */
sealed interface JournalRecord {

    /**
     * The key now holds {@code value}.
     *
     * @param expireAt epoch milliseconds, or {@link Keyspace#NEVER}
     */
    record Put(byte[] key, byte[] value, long expireAt) implements JournalRecord {
    }

    /** The key was deleted. */
    record Delete(byte[] key) implements JournalRecord {
    }

    /**
     * Shard {@code shard} of {@code shardCount} was emptied (its part of a FLUSHALL). Recorded
     * per shard, because the shards apply a FLUSHALL at different moments: a write a shard
     * applied after its flush must survive the replay of another shard's flush. A replay with a
     * different shard count removes the keys that shard owned in the old layout.
     */
    record FlushShard(int shard, int shardCount) implements JournalRecord {
    }
}
