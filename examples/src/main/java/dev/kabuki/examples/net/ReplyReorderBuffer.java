package dev.kabuki.examples.net;

/**
 * The replies of one connection's pipelined requests, released strictly in request order.
 *
 * <h2>State</h2>
 * A ring of slots indexed by sequence number: {@code head} is the oldest reply not yet
 * written, {@code tail} the next number to hand out. A slot holds {@link #WAITING} (one shard
 * owes the reply), a {@link ReplyGather} (several shards owe parts), or the finished
 * {@link RespReply}.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code head <= tail}; slots outside {@code [head, tail)} are null.</li>
 *   <li>A reply leaves by {@link #pollReady} only from the head, so replies are written in the
 *       order the requests arrived, whichever shard answers first.</li>
 *   <li>A slot is completed once; a second completion is a bug and throws.</li>
 * </ul>
 * Not thread-safe: owned by the connection's actor. The ring doubles when full: its size is
 * the number of requests in flight on the connection.
 */
final class ReplyReorderBuffer {
    private static final Object WAITING = new Object() {
        @Override
        public String toString() {
            return "WAITING";
        }
    };

    private Object[] ring = new Object[16];
    private long head;
    private long tail;

    /** A number for a request one shard will answer. */
    long reserve() {
        return push(WAITING);
    }

    /** A number for a request several shards will answer in parts, combined by {@code gather}. */
    long reserve(ReplyGather gather) {
        return push(gather);
    }

    /** A number for a request answered already. */
    long ready(RespReply reply) {
        return push(reply);
    }

    /** The reply (or one part of it) to request {@code seq} has come. */
    void complete(long seq, int part, RespReply reply) {
        if (seq < head || seq >= tail) {
            throw new IllegalStateException("no request " + seq + " is waiting (waiting: " + head + ".." + tail + ")");
        }
        int i = index(seq);
        Object slot = ring[i];
        if (slot == WAITING) {
            ring[i] = reply;
        } else if (slot instanceof ReplyGather gather) {
            if (gather.accept(part, reply)) {
                ring[i] = gather.result();
            }
        } else {
            throw new IllegalStateException("request " + seq + " was answered twice (part " + part + ")");
        }
    }

    /** The sequence number of the next reply to write. */
    long next() {
        return head;
    }

    /** The next reply in order if it is ready (and takes it out), else {@code null}. */
    RespReply pollReady() {
        if (head == tail) {
            return null;
        }
        int i = index(head);
        if (ring[i] instanceof RespReply reply) {
            ring[i] = null;
            head++;
            return reply;
        }
        return null;
    }

    /** Requests whose replies have not been written yet. */
    int inFlight() {
        return (int) (tail - head);
    }

    private long push(Object slot) {
        if (tail - head == ring.length) {
            grow();
        }
        long seq = tail++;
        ring[index(seq)] = slot;
        return seq;
    }

    private void grow() {
        Object[] bigger = new Object[ring.length * 2];
        for (long s = head; s < tail; s++) {
            bigger[(int) (s & (bigger.length - 1))] = ring[index(s)];
        }
        ring = bigger;
    }

    private int index(long seq) {
        return (int) (seq & (ring.length - 1));
    }
}
