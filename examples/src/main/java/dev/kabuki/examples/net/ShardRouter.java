package dev.kabuki.examples.net;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Places ops on the shards that own their keys: one shard for a single key, and for several keys
 * one op per shard that owns any of them, with the {@link ReplyGather} that recombines the parts.
 * When every key falls on one shard, a multi-key command is a single op there (no gathering).
 * Immutable.
 */
final class ShardRouter {
    private final int shardCount;

    ShardRouter(int shardCount) {
        this.shardCount = shardCount;
    }

    int shardCount() {
        return shardCount;
    }

    /** {@code op} on the shard owning {@code key}. */
    Plan one(BinaryKey key, ShardOp op) {
        return new Plan.Single(key.shard(shardCount), op);
    }

    /** MGET: each shard gets its keys in order; the reply puts each value back at its key's position. */
    Plan mget(BinaryKey[] keys) {
        int[] shardOf = new int[keys.length];
        int[] counts = new int[shardCount];
        for (int i = 0; i < keys.length; i++) {
            shardOf[i] = keys[i].shard(shardCount);
            counts[shardOf[i]]++;
        }
        int parts = 0;
        for (int n : counts) {
            parts += n > 0 ? 1 : 0;
        }
        if (parts == 1) {
            return new Plan.Single(shardOf[0], new ShardOp.MGet(List.of(keys)));
        }
        int[] partOfShard = new int[shardCount];
        int[] shards = new int[parts];
        int[][] positions = new int[parts][];
        List<List<BinaryKey>> keyLists = new ArrayList<>(parts);
        for (int s = 0, p = 0; s < shardCount; s++) {
            if (counts[s] > 0) {
                partOfShard[s] = p;
                shards[p] = s;
                positions[p] = new int[counts[s]];
                keyLists.add(new ArrayList<>(counts[s]));
                p++;
            }
        }
        int[] filled = new int[parts];
        for (int i = 0; i < keys.length; i++) {
            int p = partOfShard[shardOf[i]];
            positions[p][filled[p]++] = i;
            keyLists.get(p).add(keys[i]);
        }
        ShardOp[] ops = new ShardOp[parts];
        for (int p = 0; p < parts; p++) {
            ops[p] = new ShardOp.MGet(keyLists.get(p));
        }
        return new Plan.Scatter(shards, ops, new ReplyGather.MergeArrays(keys.length, positions));
    }

    /** DEL, EXISTS: {@code op} of each shard's keys, parts combined by {@code gather}. */
    Plan byShard(BinaryKey[] keys, Function<List<BinaryKey>, ShardOp> op, IntFunction<ReplyGather> gather) {
        List<List<BinaryKey>> keysByShard = group(keys);
        return split(keysByShard, (s, k) -> op.apply(k), gather);
    }

    /** MSET: each shard sets its pairs. */
    Plan pairsByShard(BinaryKey[] keys, byte[][] values) {
        List<List<BinaryKey>> keysByShard = emptyLists();
        List<List<byte[]>> valuesByShard = emptyLists();
        for (int i = 0; i < keys.length; i++) {
            int s = keys[i].shard(shardCount);
            if (keysByShard.get(s) == null) {
                keysByShard.set(s, new ArrayList<>());
                valuesByShard.set(s, new ArrayList<>());
            }
            keysByShard.get(s).add(keys[i]);
            valuesByShard.get(s).add(values[i]);
        }
        return split(keysByShard, (s, k) -> new ShardOp.MSet(k, valuesByShard.get(s)), ReplyGather.AllOk::new);
    }

    /** DBSIZE, FLUSHALL: {@code op} on every shard. */
    Plan everyShard(ShardOp op, IntFunction<ReplyGather> gather) {
        if (shardCount == 1) {
            return new Plan.Single(0, op);
        }
        int[] shards = new int[shardCount];
        ShardOp[] ops = new ShardOp[shardCount];
        for (int s = 0; s < shardCount; s++) {
            shards[s] = s;
            ops[s] = op;
        }
        return new Plan.Scatter(shards, ops, gather.apply(shardCount));
    }

    private List<List<BinaryKey>> group(BinaryKey[] keys) {
        List<List<BinaryKey>> keysByShard = emptyLists();
        for (BinaryKey k : keys) {
            int s = k.shard(shardCount);
            if (keysByShard.get(s) == null) {
                keysByShard.set(s, new ArrayList<>());
            }
            keysByShard.get(s).add(k);
        }
        return keysByShard;
    }

    /** One null per shard: a shard without keys gets no list. */
    private <T> List<List<T>> emptyLists() {
        List<List<T>> lists = new ArrayList<>(shardCount);
        for (int s = 0; s < shardCount; s++) {
            lists.add(null);
        }
        return lists;
    }

    private interface OpOfShard {
        ShardOp make(int shard, List<BinaryKey> keys);
    }

    /** One op per shard with keys: a single plan if only one shard has any, else a scatter. */
    private static Plan split(List<List<BinaryKey>> keysByShard, OpOfShard op, IntFunction<ReplyGather> gather) {
        int parts = 0;
        int only = -1;
        for (int s = 0; s < keysByShard.size(); s++) {
            if (keysByShard.get(s) != null) {
                parts++;
                only = s;
            }
        }
        if (parts == 1) {
            return new Plan.Single(only, op.make(only, keysByShard.get(only)));
        }
        int[] shards = new int[parts];
        ShardOp[] ops = new ShardOp[parts];
        for (int s = 0, p = 0; s < keysByShard.size(); s++) {
            if (keysByShard.get(s) != null) {
                shards[p] = s;
                ops[p] = op.make(s, keysByShard.get(s));
                p++;
            }
        }
        return new Plan.Scatter(shards, ops, gather.apply(parts));
    }
}
