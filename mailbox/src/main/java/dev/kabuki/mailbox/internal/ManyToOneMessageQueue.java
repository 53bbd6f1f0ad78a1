package dev.kabuki.mailbox.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * An unbounded, lock-free many-producer/one-consumer FIFO queue of messages: the default
 * mailbox lane. While shallow it is an intrusive singly linked list in the style of Dmitry
 * Vyukov's MPSC node queue (as in Pekko's {@code AbstractNodeQueue}), one node per message;
 * once it runs deep, producers append <em>chunks</em> of slots instead, so a deep backlog costs
 * one 4-byte slot per message rather than a 24-byte node that the garbage collector has to copy.
 *
 * <p><b>Thread-safety:</b> {@link #offer}/{@link #tryOffer} from any thread, lock-free, never
 * block; {@link #poll} from the single consumer only. {@link #isEmpty}/{@link #size} from any
 * thread (exact for the consumer, snapshots elsewhere).
 *
 * <p><b>Deviation, loudly:</b> {@link #poll} may return {@code null} while a message is on its
 * way: a producer has made its node the tail (or claimed a chunk slot) but has not yet linked
 * its node (or written the slot). {@link #isEmpty} is then {@code false}. A consumer that sees
 * {@code poll() == null && !isEmpty()} must come back later (re-schedule), never conclude that
 * nothing is coming. For the same reason the queue is not linearizable as a
 * {@code java.util.Queue}.
 *
 * <p><b>Footprint:</b> with compressed oops, an empty queue is this object (a 12-byte header,
 * two references and an int: 24 bytes) plus one stub node, 24 + 24 = 48 bytes; each message
 * queued while the queue is shallow costs one 24-byte node. A queue that has run deep keeps,
 * once drained, a 40-byte chunk header as its stub: the consumer drops the chunk's slot array
 * when it catches up. No padding.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code head}: written by the consumer only (release stores); the node it is at. A
 *       plain node there has been taken (it is the stub; its {@code value} is {@code null}) and
 *       its {@code next} holds the oldest message; a chunk there is being read from its
 *       {@code readIndex}. Every node after it holds a message not yet taken.</li>
 *   <li>{@code tail}: the newest node.</li>
 *   <li>{@code taken}: how many messages the consumer has taken, modulo 2^32.</li>
 *   <li>each node's {@code seq}: for a plain node, the number of messages appended up to and
 *       including it (the first stub: 0); for a chunk, the number appended before its first
 *       slot. A node's <em>end</em> is its {@code seq}, plus for a chunk its count: the
 *       {@code claimed} slots, or {@code ~claimed} once the consumer has sealed it (negative).
 *       </li>
 * </ul>
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>A producer reads the tail {@code t}. If {@code t} is a chunk that is neither full nor
 *       sealed, it claims slot {@code i} with a CAS of {@code claimed} from {@code i} to
 *       {@code i + 1}, then release-stores its message into slot {@code i}: done. Otherwise it
 *       makes a node for the message, a chunk (message in slot 0, {@code claimed = 1}) if the
 *       queue is at least {@code deepAt} deep by its reading of {@code taken} and a plain node
 *       otherwise, with {@code seq} from {@code t}'s end; CASes {@code tail} from {@code t} to
 *       it (retry from the witness if another producer won); then release-stores
 *       {@code t.next}.</li>
 *   <li>The consumer, at a chunk: acquire-loads slot {@code readIndex}; a message there is
 *       taken (slot cleared, {@code readIndex} and {@code taken} advanced). An empty slot with
 *       {@code claimed == readIndex} means it has caught up: it seals the chunk with a CAS of
 *       {@code claimed} to {@code ~readIndex} and drops the slot array. A full or sealed chunk
 *       is left through its {@code next}, as a plain stub is: acquire-load {@code next}; a plain
 *       node there has its value taken and becomes the stub; a chunk there is read from slot
 *       0. Each take release-stores {@code taken}, each move {@code head}.</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A chunk gets a successor only after a producer has seen it full or sealed, and no slot
 *       of it is claimed after that; so following slots in index order, then {@code next},
 *       visits messages in their claim/tail-CAS order, and one producer's messages are polled
 *       in the order it offered them.</li>
 *   <li>The consumer seals a chunk only when every claimed slot has been read, so no producer
 *       is between its claim and its slot write, and nobody touches the array again.</li>
 *   <li>{@code end(tail) - taken} (32-bit wrapping subtraction) is the number of messages
 *       appended and not taken, including mid-append ones; exact as long as fewer than 2^31
 *       messages are queued.</li>
 *   <li>{@code next} of a node is written exactly once (null to non-null), by the producer that
 *       replaced it as tail; a slot is written once, by the producer that claimed it.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * A node's plain fields (and a new chunk's slot 0 and {@code claimed}) are written before the
 * CAS that publishes it as tail, and again before the release store that links it; readers
 * reach a node only through an acquire (or volatile) load of {@code tail} or {@code next}, so
 * they see them. A slot's message is release-stored after its claim and acquire-loaded by the
 * consumer. The linearizing atomic of an append is the tail CAS or the claim CAS, both
 * volatile writes, and {@link #isEmpty} reads {@code tail} and a chunk's {@code claimed} with
 * volatile loads: that is the Dekker half of the idle handshake described in
 * {@link MailboxStatus}. The consumer's seal is a CAS on the same {@code claimed}, so a claim
 * and a seal cannot both succeed from one value. {@code taken} is single-writer (release) and
 * read with acquire; producers read it only to choose between a node and a chunk, where a stale
 * value costs memory, never correctness.
 *
 * <h2>Why a CAS and not Vyukov's getAndSet</h2>
 * With a getAndSet the producer learns its predecessor only after publishing its node, so it
 * would have to write {@code node.seq} afterwards; if the predecessor is itself mid-push its
 * {@code seq} is not written yet, and the successor copies a stale value. The error would not
 * stay inside the push window: it breaks the chain of sequence numbers until the consumer
 * passes that node, so {@code size()} could be wrong by an arbitrary amount for as long as the
 * queue is deep. Reading the tail first and publishing with a CAS keeps every published
 * {@code seq} exact, costs the same single atomic when uncontended, and stays lock-free (a
 * failed CAS means another producer succeeded). Claims use a CAS rather than a getAndAdd so
 * that a chunk's {@code claimed} never passes its capacity and the seal can be a CAS too.
 *
 * @param <M> the message type; {@code null} messages are rejected
 */
public class ManyToOneMessageQueue<M> implements MessageQueue<M> {
    /** Depth from which producers append chunks instead of plain nodes. */
    static final int DEEP_AT = 32;
    /** Slots per chunk: a 1 KiB array, a header's worth per 256 deep messages. */
    static final int CHUNK_SLOTS = 256;

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle TAKEN;
    private static final VarHandle NEXT;
    private static final VarHandle CLAIMED;
    private static final VarHandle SLOT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(ManyToOneMessageQueue.class, "head", Node.class);
            TAIL = l.findVarHandle(ManyToOneMessageQueue.class, "tail", Node.class);
            TAKEN = l.findVarHandle(ManyToOneMessageQueue.class, "taken", int.class);
            NEXT = l.findVarHandle(Node.class, "next", Node.class);
            CLAIMED = l.findVarHandle(Chunk.class, "claimed", int.class);
            SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Consumer-owned; release-stored so that other threads' {@link #isEmpty} can read it. */
    private Node head;
    /** Written by producers' CAS only. */
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Node tail;
    /** Messages taken; written by the consumer only (release), read by anyone (acquire). */
    @SuppressWarnings("unused") // accessed through TAKEN
    private int taken;

    /** Creates an empty queue (one stub node). */
    public ManyToOneMessageQueue() {
        Node stub = new Node(null, 0);
        this.head = stub;
        this.tail = stub;
    }

    /**
     * Tests' queue: chunks from depth {@code deepAt}, of {@code chunkSlots} slots, so that small
     * values drive the chunk paths hard. The shape is a subclass rather than two fields so that
     * the production queue stays 24 bytes; with no subclass loaded, the JIT inlines the
     * constants.
     */
    static <M> ManyToOneMessageQueue<M> shaped(int deepAt, int chunkSlots) {
        if (deepAt < 0 || chunkSlots < 1) {
            throw new IllegalArgumentException("deepAt " + deepAt + ", chunkSlots " + chunkSlots);
        }
        return new ManyToOneMessageQueue<>() {
            @Override
            int deepAt() {
                return deepAt;
            }

            @Override
            int chunkSlots() {
                return chunkSlots;
            }
        };
    }

    /** Depth from which a producer appends a chunk. */
    int deepAt() {
        return DEEP_AT;
    }

    /** Slots in a new chunk. */
    int chunkSlots() {
        return CHUNK_SLOTS;
    }

    /**
     * Appends {@code message}. Lock-free, never blocks, always succeeds. Any thread.
     *
     * @throws NullPointerException if {@code message} is null
     */
    public void offer(M message) {
        Objects.requireNonNull(message, "message");
        Node t = (Node) TAIL.getAcquire(this);
        while (true) {
            int end;
            if (t instanceof Chunk c) {
                int claimed = (int) CLAIMED.getVolatile(c);
                while (claimed >= 0 && claimed < c.capacity) {
                    int witness = (int) CLAIMED.compareAndExchange(c, claimed, claimed + 1);
                    if (witness == claimed) {
                        // slots is still set: the consumer seals only after reading this slot
                        SLOT.setRelease(c.slots, claimed, message);   // the consumer may take it
                        return;
                    }
                    claimed = witness;         // another producer claimed, or the consumer sealed
                }
                end = c.seq + (claimed >= 0 ? claimed : ~claimed);   // full or sealed: final
            } else {
                end = t.seq;
            }
            Node node = end - (int) TAKEN.getOpaque(this) >= deepAt()
                    ? new Chunk(message, end, chunkSlots())
                    : new Node(message, end + 1);
            Node witness = (Node) TAIL.compareAndExchange(this, t, node);
            if (witness == t) {
                NEXT.setRelease(t, node);      // link: the consumer may now reach it
                return;
            }
            t = witness;                       // another producer won: queue behind its node
        }
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
        while (true) {
            if (h instanceof Chunk c) {
                Object[] slots = c.slots;
                int i = c.readIndex;
                if (slots != null && i < slots.length) {
                    Object value = SLOT.getAcquire(slots, i);
                    if (value != null) {
                        slots[i] = null;       // plain: no producer writes this slot again
                        c.readIndex = i + 1;
                        advanceTaken();
                        return (M) value;
                    }
                    // Empty slot: claimed and still being written (come back later), or
                    // nothing claimed past what was read: seal, so that the next message goes
                    // to a fresh node and this array can go.
                    if (!CLAIMED.compareAndSet(c, i, ~i)) {
                        return null;
                    }
                    c.slots = null;
                }
                // full and read, or sealed: leave it through next, as a stub
            }
            Node next = (Node) NEXT.getAcquire(h);
            if (next == null) {
                return null;
            }
            HEAD.setRelease(this, next);
            NEXT.set(h, null);                 // plain: help the GC, h is unreachable from us
            if (!(next instanceof Chunk)) {
                Object value = next.value;
                next.value = null;             // next becomes the stub: do not retain the message
                advanceTaken();
                return (M) value;
            }
            h = next;
        }
    }

    private void advanceTaken() {
        TAKEN.setRelease(this, (int) TAKEN.get(this) + 1);
    }

    /**
     * {@inheritDoc} Compares references: every node after the consumer's head holds a message
     * not yet taken, so a head that is not the tail means not empty. Only a chunk that is both
     * is looked into (its read index against its count; stale values of both err towards "not
     * empty").
     */
    @Override
    public boolean isEmpty() {
        Node h = (Node) HEAD.getAcquire(this);   // head first: the tail is never behind it
        Node t = (Node) TAIL.getVolatile(this);
        if (h != t) {
            return false;
        }
        // readIndex before claimed: the read index never passes the count
        return !(t instanceof Chunk c) || c.readIndex == end(c) - c.seq;
    }

    @Override
    public int size() {
        int done = (int) TAKEN.getAcquire(this);
        int depth = end((Node) TAIL.getVolatile(this)) - done;
        return Math.max(depth, 0);
    }

    /** Messages appended up to and including {@code n}'s (a volatile read for a chunk). */
    private static int end(Node n) {
        if (n instanceof Chunk c) {
            int claimed = (int) CLAIMED.getVolatile(c);
            return c.seq + (claimed >= 0 ? claimed : ~claimed);
        }
        return n.seq;
    }

    @Override
    public String toString() {
        return "ManyToOneMessageQueue[size=" + size() + "]";
    }

    /** One queued message: 12-byte header + 3 fields = 24 bytes with compressed oops. */
    static class Node {
        Object value;
        @SuppressWarnings("unused") // accessed through NEXT
        Node next;
        /** See the class note: an end for a plain node, the first slot's number for a chunk. */
        int seq;

        Node(Object value, int seq) {
            this.value = value;
            this.seq = seq;
        }
    }

    /**
     * A run of slots for a deep queue: 40 bytes plus its array. {@code value} is unused.
     * {@code claimed}: slots claimed by producers (CAS), or {@code ~n} once the consumer has
     * sealed it after reading n slots. {@code readIndex}: the consumer's next slot.
     */
    static final class Chunk extends Node {
        /** The slots' number; producers test claims against it, never against the array. */
        final int capacity;
        /** Set to null by the consumer once sealed; otherwise fixed. */
        Object[] slots;
        @SuppressWarnings("unused") // accessed through CLAIMED
        int claimed;
        int readIndex;

        Chunk(Object first, int seq, int capacity) {
            super(null, seq);
            this.capacity = capacity;
            this.slots = new Object[capacity];
            this.slots[0] = first;             // plain: published by the tail CAS
            this.claimed = 1;
        }
    }
}
