package dev.kabuki.mailbox.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * An unbounded, lock-free many-producer/one-consumer FIFO queue of messages: the default
 * mailbox lane. An intrusive singly linked list in the style of Dmitry Vyukov's MPSC node
 * queue (as in Pekko's {@code AbstractNodeQueue}), with a per-node sequence number that makes
 * {@link #size()} O(1) without a shared counter.
 *
 * <p><b>Thread-safety:</b> {@link #offer}/{@link #tryOffer} from any thread, lock-free, never
 * block; {@link #poll} from the single consumer only. {@link #isEmpty}/{@link #size} from any
 * thread (exact for the consumer, snapshots elsewhere).
 *
 * <p><b>Deviation, loudly:</b> {@link #poll} may return {@code null} while a message is on its
 * way: a producer has made its node the tail but has not yet linked it behind the previous
 * node. {@link #isEmpty} is then {@code false}. A consumer that sees {@code poll() == null &&
 * !isEmpty()} must come back later (re-schedule), never conclude that nothing is coming. For
 * the same reason the queue is not linearizable as a {@code java.util.Queue}.
 *
 * <p><b>Footprint:</b> with compressed oops, an empty queue is this object (a 12-byte header
 * and two references, rounded up to 24 bytes) plus one stub node, 24 + 24 = 48 bytes; each
 * queued message costs one 24-byte node (a header and three fields). No arrays, no padding.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code head}: the node the consumer took last (initially a stub); its {@code next} is
 *       the oldest message. Its {@code value} is always {@code null}.</li>
 *   <li>{@code tail}: the newest node. {@code head == tail} means empty.</li>
 *   <li>each node: {@code value}, {@code next}, and {@code seq} = the number of nodes appended
 *       before it, modulo 2^32 (the stub has 0).</li>
 * </ul>
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>A producer (steps): 1. {@code node.value = m} and {@code node.seq = t.seq + 1} where
 *       {@code t} is the tail it read; 2. CAS {@code tail} from {@code t} to {@code node}
 *       (retry from 1 with the witness if another producer won); 3. release-store
 *       {@code t.next = node}. Between 2 and 3 the node is "mid-push".</li>
 *   <li>The consumer: acquire-loads {@code head.next}; if non-null, takes its value, clears it
 *       and release-stores {@code head = next} (the taken node becomes the new stub).</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Following {@code next} from {@code head} visits nodes in tail-CAS order, so messages
 *       from one producer are polled in the order it offered them.</li>
 *   <li>{@code tail.seq - head.seq} (32-bit wrapping subtraction) is the number of messages
 *       appended and not taken, including mid-push ones; exact as long as fewer than 2^31
 *       messages are queued.</li>
 *   <li>{@code next} of a node is written exactly once (null to non-null), by the producer that
 *       replaced it as tail.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * A node's plain fields are written before the CAS that publishes it as tail (a volatile
 * write), and again before the release store that links it; readers reach a node only through
 * an acquire (or volatile) load of {@code tail}, {@code next} or {@code head}, so they see its
 * {@code seq} and {@code value}. The tail CAS is a volatile write and {@link #isEmpty} reads
 * {@code tail} with a volatile load: that is the Dekker half of the idle handshake described in
 * {@link MailboxStatus}.
 *
 * <h2>Why a CAS and not Vyukov's getAndSet</h2>
 * With a getAndSet the producer learns its predecessor only after publishing its node, so it
 * would have to write {@code node.seq = prev.seq + 1} afterwards; if {@code prev} is itself
 * mid-push its {@code seq} is not written yet, and the successor copies a stale value. The
 * error would not stay inside the push window: it breaks the chain of sequence numbers until
 * the consumer passes that node, so {@code size()} could be wrong by an arbitrary amount for
 * as long as the queue is deep. Reading the tail first and publishing with a CAS keeps every
 * published {@code seq} exact, costs the same single atomic when uncontended, and stays
 * lock-free (a failed CAS means another producer succeeded).
 *
 * @param <M> the message type; {@code null} messages are rejected
 */
public final class ManyToOneMessageQueue<M> implements MessageQueue<M> {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(ManyToOneMessageQueue.class, "head", Node.class);
            TAIL = l.findVarHandle(ManyToOneMessageQueue.class, "tail", Node.class);
            NEXT = l.findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Consumer-owned; release-stored so that other threads' {@link #size} can read it. */
    private Node head;
    /** Written by producers' CAS only. */
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Node tail;

    /** Creates an empty queue (one stub node). */
    public ManyToOneMessageQueue() {
        Node stub = new Node(null, 0);
        this.head = stub;
        this.tail = stub;
    }

    /**
     * Appends {@code message}. Lock-free, never blocks, always succeeds. Any thread.
     *
     * @throws NullPointerException if {@code message} is null
     */
    public void offer(M message) {
        Objects.requireNonNull(message, "message");
        Node t = (Node) TAIL.getAcquire(this);
        Node node = new Node(message, t.seq + 1);
        while (true) {
            Node witness = (Node) TAIL.compareAndExchange(this, t, node);
            if (witness == t) {
                break;
            }
            t = witness;               // another producer won: queue behind its node
            node.seq = t.seq + 1;      // plain: published by the next CAS
        }
        NEXT.setRelease(t, node);      // link: the consumer may now poll it
    }

    /** Same as {@link #offer}; always returns {@code true}. Any thread. */
    @Override
    public boolean tryOffer(M message) {
        offer(message);
        return true;
    }

    /** {@inheritDoc} May return {@code null} while {@code !isEmpty()}: see the class note. */
    @Override
    @SuppressWarnings("unchecked")
    public M poll() {
        Node h = head;
        Node next = (Node) NEXT.getAcquire(h);
        if (next == null) {
            return null;
        }
        Object value = next.value;
        next.value = null;             // next becomes the stub: do not retain the message
        HEAD.setRelease(this, next);
        NEXT.set(h, null);             // plain: help the GC, old stub is unreachable from us
        return (M) value;
    }

    @Override
    public boolean isEmpty() {
        Node h = (Node) HEAD.getAcquire(this);
        return h == TAIL.getVolatile(this);
    }

    @Override
    public int size() {
        Node h = (Node) HEAD.getAcquire(this);   // head first: tail is never behind it
        Node t = (Node) TAIL.getVolatile(this);
        int depth = t.seq - h.seq;
        return Math.max(depth, 0);
    }

    @Override
    public String toString() {
        return "ManyToOneMessageQueue[size=" + size() + "]";
    }

    /** One queued message: 12-byte header + 3 fields = 24 bytes with compressed oops. */
    static final class Node {
        Object value;
        @SuppressWarnings("unused") // accessed through NEXT
        Node next;
        int seq;

        Node(Object value, int seq) {
            this.value = value;
            this.seq = seq;
        }
    }
}
