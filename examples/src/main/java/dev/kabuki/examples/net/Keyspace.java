package dev.kabuki.examples.net;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The keys of one shard: binary values with an optional absolute deadline (epoch milliseconds).
 * A plain data structure, used by its shard actor and, before the shards start, by the journal
 * replay.
 *
 * <h2>Expiry</h2>
 * Lazy and periodic, as in Redis: an access to a key past its deadline removes it first, and
 * {@link #expireDue} (the shard's sweep timer) removes what nobody touches, earliest deadline
 * first. Times are passed in, so tests can use any clock. Expiring a key is not a write: the
 * journal holds the absolute deadline, and a replay drops what is past it.
 *
 * <p>Not thread-safe: owned by one actor at a time.
 */
final class Keyspace {
    /** No deadline. */
    static final long NEVER = 0;

    /**
     * A value and its deadline.
     *
     * @param value    the bytes
     * @param expireAt epoch milliseconds after which the key is gone, or {@link #NEVER}
     */
    record Entry(byte[] value, long expireAt) {
        boolean expiredAt(long now) {
            return expireAt != NEVER && expireAt <= now;
        }
    }

    private final HashMap<BinaryKey, Entry> entries = new HashMap<>();
    private final ExpiryHeap deadlines = new ExpiryHeap();
    /** Entries with a deadline, past or not. */
    private int withDeadline;

    /** The live entry of {@code key} at {@code now}, removing it if it has expired. */
    Entry get(BinaryKey key, long now) {
        Entry e = entries.get(key);
        if (e != null && e.expiredAt(now)) {
            removeEntry(key, e);
            return null;
        }
        return e;
    }

    /** Sets {@code key}; returns the live entry it replaced, or null. */
    Entry put(BinaryKey key, byte[] value, long expireAt, long now) {
        Entry replaced = entries.put(key, new Entry(value, expireAt));
        if (replaced != null && replaced.expireAt() != NEVER) {
            withDeadline--;
        }
        if (expireAt != NEVER) {
            withDeadline++;
            deadlines.add(key, expireAt);
            if (deadlines.needsRebuild(withDeadline)) {
                rebuildDeadlines();
            }
        }
        return replaced == null || replaced.expiredAt(now) ? null : replaced;
    }

    /** Removes {@code key}; whether it was there (and live). */
    boolean remove(BinaryKey key, long now) {
        Entry e = entries.remove(key);
        if (e == null) {
            return false;
        }
        if (e.expireAt() != NEVER) {
            withDeadline--;
        }
        return !e.expiredAt(now);
    }

    /** Keys held, including expired ones not yet removed (as Redis's {@code DBSIZE}). */
    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
        deadlines.clear();
        withDeadline = 0;
    }

    /** Removes the keys {@code doomed} accepts (a replayed flush of one shard of another layout). */
    void removeIf(Predicate<BinaryKey> doomed) {
        Iterator<Map.Entry<BinaryKey, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<BinaryKey, Entry> e = it.next();
            if (doomed.test(e.getKey())) {
                it.remove();
                if (e.getValue().expireAt() != NEVER) {
                    withDeadline--;
                }
            }
        }
    }

    /**
     * Removes up to {@code budget} keys whose deadline is at or before {@code now}, earliest
     * first.
     *
     * @return keys removed
     */
    int expireDue(long now, int budget) {
        return deadlines.expireDue(now, budget, (key, at) -> {
            Entry e = entries.get(key);
            if (e != null && e.expireAt() == at) { // else the entry is stale: overwritten or deleted since
                removeEntry(key, e);
                return true;
            }
            return false;
        });
    }

    /** Whether a deadline at or before {@code now} waits for the sweep. */
    boolean hasDue(long now) {
        return deadlines.hasDue(now);
    }

    private void removeEntry(BinaryKey key, Entry e) {
        entries.remove(key);
        if (e.expireAt() != NEVER) {
            withDeadline--;
        }
    }

    private void rebuildDeadlines() {
        deadlines.clear();
        for (Map.Entry<BinaryKey, Entry> e : entries.entrySet()) {
            if (e.getValue().expireAt() != NEVER) {
                deadlines.add(e.getKey(), e.getValue().expireAt());
            }
        }
    }
}
