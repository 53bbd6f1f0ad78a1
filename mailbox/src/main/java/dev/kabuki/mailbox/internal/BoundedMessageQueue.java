package dev.kabuki.mailbox.internal;

import dev.kabuki.mailbox.OverflowPolicy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A bounded many-producer/one-consumer message queue: a {@link ManyToOneMessageQueue} plus an
 * exact occupancy count. Capacity and {@link OverflowPolicy} are fixed at creation. A full
 * queue rejects the message ({@link #tryOffer} returns {@code false}) whatever the policy: the
 * caller applies {@link #overflowPolicy()} (throw, or route to dead letters). Never blocks.
 *
 * <p><b>Thread-safety:</b> as {@link MessageQueue}: {@link #tryOffer} from any thread,
 * lock-free; {@link #poll} from the single consumer only; {@link #size}/{@link #isEmpty} from
 * any thread.
 *
 * <p><b>Footprint:</b> opt-in, so it may cost more than the unbounded queue: this object
 * (32 bytes) plus an empty {@link ManyToOneMessageQueue} (48 bytes). The {@link OverflowPolicy}
 * it points to is a shared constant, not part of any one queue's cost.
 *
 * <h2>State</h2>
 * {@code count}: messages accepted and not yet taken, including those whose append is still
 * in progress. {@code queue}: the messages.
 *
 * <h2>Who writes what</h2>
 * <ol>
 *   <li>A producer reserves a place: CAS {@code count} from {@code c} to {@code c + 1} while
 *       {@code c < capacity}; if it sees {@code c >= capacity} it rejects.</li>
 *   <li>Having reserved, it appends to {@code queue} (cannot fail).</li>
 *   <li>The consumer, after taking a message from {@code queue}, decrements {@code count}.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * {@code 0 <= count <= capacity} at all times; the number of accepted-and-not-taken messages
 * never exceeds {@code capacity}: a place is reserved before the message is appended and freed
 * only after it is taken. Exact under any contention (one CAS per accepted message, a volatile
 * read per rejected one).
 *
 * <h2>Memory ordering</h2>
 * {@code count} is accessed with volatile reads and CAS/getAndAdd only; the message itself is
 * published by the inner queue (see {@link ManyToOneMessageQueue}).
 *
 * @param <M> the message type; {@code null} messages are rejected
 */
public final class BoundedMessageQueue<M> implements MessageQueue<M> {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(BoundedMessageQueue.class, "count",
                    int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ManyToOneMessageQueue<M> queue = new ManyToOneMessageQueue<>();
    private final int capacity;
    private final OverflowPolicy overflowPolicy;
    @SuppressWarnings("unused") // accessed through COUNT
    private volatile int count;

    /**
     * Creates an empty queue.
     *
     * @param capacity       the most messages it holds at once; at least 1
     * @param overflowPolicy what the sender does when it is full
     * @throws IllegalArgumentException if {@code capacity < 1}
     * @throws NullPointerException     if {@code overflowPolicy} is null
     */
    public BoundedMessageQueue(int capacity, OverflowPolicy overflowPolicy) {
        if (capacity < 1) {
            throw new IllegalArgumentException(
                    "mailbox capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
    }

    /**
     * Appends {@code message} unless the queue is full. Lock-free, never blocks. Any thread.
     *
     * @return {@code false} if the queue held {@link #capacity()} messages; the caller then
     *     applies {@link #overflowPolicy()}
     * @throws NullPointerException if {@code message} is null
     */
    @Override
    public boolean tryOffer(M message) {
        Objects.requireNonNull(message, "message");
        final int cap = capacity;
        int c = (int) COUNT.getVolatile(this);
        while (true) {
            if (c >= cap) {
                return false;
            }
            int witness = (int) COUNT.compareAndExchange(this, c, c + 1);
            if (witness == c) {
                break;
            }
            c = witness;
        }
        queue.offer(message);
        return true;
    }

    /** {@inheritDoc} Consumer only; frees one place when it returns a message. */
    @Override
    public M poll() {
        M m = queue.poll();
        if (m != null) {
            COUNT.getAndAdd(this, -1);
        }
        return m;
    }

    @Override
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Accepted and not yet taken, including appends in progress. Any thread, O(1). */
    @Override
    public int size() {
        return (int) COUNT.getVolatile(this);
    }

    /** The most messages this queue holds at once. */
    public int capacity() {
        return capacity;
    }

    /** What a sender does when {@link #tryOffer} returns {@code false}. */
    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    @Override
    public String toString() {
        return "BoundedMessageQueue[size=" + size() + ", capacity=" + capacity + ", "
                + overflowPolicy + "]";
    }
}
