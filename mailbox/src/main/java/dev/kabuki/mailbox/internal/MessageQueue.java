package dev.kabuki.mailbox.internal;

/**
 * The ordinary-message lane of a mailbox: many producers, exactly one consumer at a time.
 *
 * <p><b>Thread-safety:</b> {@link #tryOffer} may be called from any thread at any time.
 * {@link #poll} may only be called by the mailbox's current consumer (the thread that holds
 * the {@link MailboxStatus} SCHEDULED token); two threads polling at once break the queue.
 * {@link #isEmpty} and {@link #size} may be called from any thread but are exact only for the
 * consumer; elsewhere they are snapshots.
 *
 * <p><b>Deviation from {@link java.util.Queue}:</b> {@link #poll} may return {@code null}
 * while {@link #isEmpty} is {@code false}: a producer has claimed its place in the queue but
 * not yet linked its message. The consumer must treat "poll returned null but not empty" as
 * "a message is coming" (re-schedule, do not go idle and forget it).
 *
 * <p>Implementations: {@link ManyToOneMessageQueue} (unbounded) and {@link BoundedMessageQueue}.
 *
 * @param <M> the message type; {@code null} messages are rejected
 */
public interface MessageQueue<M> {

    /**
     * Appends {@code message} if the queue accepts it. Never blocks. Any thread.
     *
     * @return {@code true} if appended; {@code false} only for a full bounded queue
     * @throws NullPointerException if {@code message} is null
     */
    boolean tryOffer(M message);

    /**
     * Removes and returns the oldest linked message, or {@code null} if none is linked yet.
     * Consumer thread only.
     */
    M poll();

    /**
     * {@code true} if no message has been appended that the consumer has not yet taken,
     * counting messages whose producers are still mid-append. Exact for the consumer, which
     * uses it for the idle re-check (see {@link MailboxStatus}); a snapshot for other threads.
     * Sequentially consistent with respect to appends: a consumer that calls it after a
     * volatile write (such as {@link MailboxStatus#setIdle}) sees every append whose
     * linearizing atomic came before that write.
     */
    boolean isEmpty();

    /**
     * Number of messages appended and not yet taken, in O(1), for metrics and dumps.
     * Approximate while producers are mid-append or when read by a thread other than the
     * consumer; never negative.
     */
    int size();
}
