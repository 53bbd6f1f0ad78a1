package dev.kabuki.mailbox.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The system-signal lane of a mailbox (stop, watch, terminated, child failure): a lock-free
 * Treiber stack that producers push onto and whose single consumer takes everything at once
 * and reverses it, so signals come out in push order. The actor layer polls this lane before
 * the ordinary {@link MessageQueue} on every activation, and includes {@link #isEmpty} in its
 * idle re-check (see {@link MailboxStatus}).
 *
 * <p><b>Thread-safety:</b> {@link #push} from any thread, lock-free, never blocks;
 * {@link #poll} from the mailbox's single consumer (the {@link MailboxStatus} token holder)
 * only; {@link #isEmpty} exact for the consumer, a snapshot elsewhere.
 *
 * <p><b>Order:</b> FIFO per producer, and globally in the order the pushes' CASes took
 * effect. A signal pushed while the consumer still holds an earlier batch comes after that
 * whole batch.
 *
 * <p><b>Footprint:</b> 24 bytes empty (header plus two references); one 24-byte node per
 * pending signal.
 *
 * <h2>State</h2>
 * {@code stack}: the newest pushed node, linked to older ones (LIFO), or {@code null}.
 * {@code batch}: consumer-owned, the signals already taken off the stack, oldest first.
 *
 * <h2>Who writes what</h2>
 * <ol>
 *   <li>A producer: {@code node.next = top}, CAS {@code stack} from {@code top} to
 *       {@code node}; retry with the witness if another push won.</li>
 *   <li>The consumer's {@link #poll}: if {@code batch} is empty, swaps {@code stack} with
 *       {@code null} (getAndSet) and reverses the chain into {@code batch}; then unlinks the
 *       first node of {@code batch}.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * Every pushed signal is in exactly one of {@code stack} or {@code batch} until the consumer
 * returns it once; no node in {@code batch} is reachable from {@code stack}.
 *
 * <h2>Memory ordering</h2>
 * A node's fields are written before the CAS that publishes it; the consumer's getAndSet reads
 * the stack with volatile semantics and so sees them. {@link #isEmpty} reads {@code stack} with
 * a volatile load, for the Dekker half of the idle handshake. {@code batch} is plain: only the
 * consumer touches it, and the token handover in {@link MailboxStatus} orders one consumer's
 * writes before the next one's reads.
 *
 * @param <S> the signal type; {@code null} signals are rejected
 */
public final class SystemMessageQueue<S> {
    private static final VarHandle STACK;

    static {
        try {
            STACK = MethodHandles.lookup().findVarHandle(SystemMessageQueue.class, "stack",
                    Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STACK
    private volatile Node stack;
    /** Consumer-owned, oldest first. */
    private Node batch;

    /** Creates an empty lane. */
    public SystemMessageQueue() {
    }

    /**
     * Pushes {@code signal}. Lock-free, never blocks, always succeeds. Any thread.
     *
     * @throws NullPointerException if {@code signal} is null
     */
    public void push(S signal) {
        Node node = new Node(Objects.requireNonNull(signal, "signal"));
        Node top = (Node) STACK.getVolatile(this);
        while (true) {
            node.next = top;           // plain: published by the CAS
            Node witness = (Node) STACK.compareAndExchange(this, top, node);
            if (witness == top) {
                return;
            }
            top = witness;
        }
    }

    /**
     * Removes and returns the oldest pending signal, or {@code null} if there is none.
     * Consumer only. Takes the whole stack at once when its current batch is used up.
     */
    @SuppressWarnings("unchecked")
    public S poll() {
        Node first = batch;
        if (first == null) {
            Node taken = (Node) STACK.getAndSet(this, (Node) null);
            if (taken == null) {
                return null;
            }
            first = reverse(taken);
        }
        batch = first.next;
        first.next = null;
        return (S) first.value;
    }

    /**
     * {@code true} if no signal is pending. Exact for the consumer (a volatile read of the
     * stack), a snapshot elsewhere. Any thread.
     */
    public boolean isEmpty() {
        return batch == null && STACK.getVolatile(this) == null;
    }

    private static Node reverse(Node top) {
        Node reversed = null;
        Node n = top;
        while (n != null) {
            Node next = n.next;
            n.next = reversed;
            reversed = n;
            n = next;
        }
        return reversed;
    }

    @Override
    public String toString() {
        return "SystemMessageQueue[" + (isEmpty() ? "empty" : "pending") + "]";
    }

    /** One pending signal. */
    static final class Node {
        final Object value;
        Node next;

        Node(Object value) {
            this.value = value;
        }
    }
}
