package dev.kabuki.mailbox;

/**
 * What a send does when a {@link BoundedMessageQueue} is full. The queue itself only reports
 * "not accepted" ({@link BoundedMessageQueue#tryOffer} returns {@code false}) and never
 * blocks; the policy tells the sending layer what to do next.
 */
public enum OverflowPolicy {
    /**
     * The send fails: a {@code tell} throws a specific "mailbox full" exception and a
     * {@code tryTell} returns {@code false}. The message is not delivered anywhere.
     */
    FAIL,
    /** The send succeeds from the sender's point of view; the message goes to dead letters. */
    DROP
}
