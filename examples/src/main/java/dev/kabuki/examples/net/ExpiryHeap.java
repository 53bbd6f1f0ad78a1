package dev.kabuki.examples.net;

import java.util.PriorityQueue;
import java.util.function.BiPredicate;

/**
 * The deadlines of a keyspace's expiring keys, earliest first, for the periodic sweep.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Every key with a deadline has an entry with that deadline; entries are never removed
 *       when a key is overwritten or deleted, so some are stale. The sweep asks the keyspace
 *       whether an entry is still current ({@code stillDue}) before expiring its key.</li>
 *   <li>Stale entries are bounded: when the heap holds more than twice the live count (plus a
 *       slack), the keyspace rebuilds it from its live deadlines.</li>
 * </ul>
 * Not thread-safe: owned by one shard actor.
 */
final class ExpiryHeap {
    private record Deadline(long at, BinaryKey key) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(at, o.at);
        }
    }

    private PriorityQueue<Deadline> heap = new PriorityQueue<>();

    void add(BinaryKey key, long at) {
        heap.add(new Deadline(at, key));
    }

    int size() {
        return heap.size();
    }

    /** Whether stale entries outnumber live ones enough to rebuild. */
    boolean needsRebuild(int liveDeadlines) {
        return heap.size() > 2 * liveDeadlines + 1024;
    }

    void clear() {
        heap = new PriorityQueue<>();
    }

    /**
     * Pops entries due at {@code now} (at most {@code budget}) and calls {@code expire} for each;
     * {@code expire} returns whether the key was still due at that deadline and was removed.
     *
     * @return keys expired
     */
    int expireDue(long now, int budget, BiPredicate<BinaryKey, Long> expire) {
        int expired = 0;
        for (int i = 0; i < budget; i++) {
            Deadline d = heap.peek();
            if (d == null || d.at() > now) {
                break;
            }
            heap.poll();
            if (expire.test(d.key(), d.at())) {
                expired++;
            }
        }
        return expired;
    }

    /** Whether a deadline at or before {@code now} is waiting (possibly stale). */
    boolean hasDue(long now) {
        Deadline d = heap.peek();
        return d != null && d.at() <= now;
    }
}
