package dev.kabuki.examples.net;

import java.util.List;

/**
 * What a shard is asked to do, on keys it owns. Commands that touch several keys reach each
 * shard as one op with that shard's keys; the connection combines the parts.
 */
sealed interface ShardOp {

    /** Whether the op may change the keyspace (and so needs the journal). */
    default boolean writes() {
        return false;
    }

    /** GET: a bulk reply, null if missing. */
    record Get(BinaryKey key) implements ShardOp {
    }

    /** STRLEN: the value's length, 0 if missing. */
    record Strlen(BinaryKey key) implements ShardOp {
    }

    /**
     * TTL / PTTL: the time left, -1 without a deadline, -2 if missing.
     *
     * @param millis PTTL (milliseconds) rather than TTL (seconds, rounded)
     */
    record Ttl(BinaryKey key, boolean millis) implements ShardOp {
    }

    /** EXISTS over this shard's keys (repeats counted): how many exist. */
    record Exists(List<BinaryKey> keys) implements ShardOp {
    }

    /** MGET over this shard's keys: an array of bulk replies in the order given. */
    record MGet(List<BinaryKey> keys) implements ShardOp {
    }

    /** DBSIZE of this shard. */
    record DbSize() implements ShardOp {
    }

    /** When SET applies: always, only if the key is missing (NX), only if it exists (XX). */
    enum Condition { ALWAYS, IF_MISSING, IF_EXISTS }

    /**
     * SET with its options, parsed and checked by the planner.
     *
     * @param expireAt epoch milliseconds, or {@link Keyspace#NEVER}; at or before now the key is
     *                 deleted (Redis: an absolute time in the past)
     * @param keepTtl  KEEPTTL: keep the existing deadline
     * @param returnOld GET: reply with the old value instead of OK
     */
    record Set(BinaryKey key, byte[] value, long expireAt, boolean keepTtl, Condition condition,
               boolean returnOld) implements ShardOp {
        @Override
        public boolean writes() {
            return true;
        }
    }

    /** DEL over this shard's keys: how many were deleted. */
    record Del(List<BinaryKey> keys) implements ShardOp {
        @Override
        public boolean writes() {
            return true;
        }
    }

    /** INCRBY / DECRBY / INCR / DECR: the new value. */
    record IncrBy(BinaryKey key, long delta) implements ShardOp {
        @Override
        public boolean writes() {
            return true;
        }
    }

    /** MSET over this shard's pairs: OK. */
    record MSet(List<BinaryKey> keys, List<byte[]> values) implements ShardOp {
        @Override
        public boolean writes() {
            return true;
        }
    }

    /** FLUSHALL of this shard: OK. */
    record FlushAll() implements ShardOp {
        @Override
        public boolean writes() {
            return true;
        }
    }
}
