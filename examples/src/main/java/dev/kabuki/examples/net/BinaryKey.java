package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A key: binary-safe bytes with value equality and a hash computed once, which also picks the
 * key's shard. The bytes are never changed after construction (the decoder hands over a fresh
 * array per argument).
 */
final class BinaryKey {
    private final byte[] bytes;
    private final int hash;

    BinaryKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = mix(Arrays.hashCode(bytes));
    }

    static BinaryKey of(String text) {
        return new BinaryKey(text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
        return bytes;
    }

    /** The shard of {@code shardCount} that owns this key. Same key, same count: same shard, on every run. */
    int shard(int shardCount) {
        return Math.floorMod(hash, shardCount);
    }

    /** Spreads {@link Arrays#hashCode}'s weak low bits (keys differing in their last byte) over the whole word. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryKey other && other.hash == hash && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
