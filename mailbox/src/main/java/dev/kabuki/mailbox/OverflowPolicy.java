package dev.kabuki.mailbox;

/**
 * What a send does when an actor's bounded mailbox is full (see
 * {@code ActorOptions.boundedMailbox}). A send never blocks; the policy says what happens to
 * the message instead.
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
