package dev.kabuki.actors;

/**
 * A bounded mailbox with {@link dev.kabuki.mailbox.OverflowPolicy#FAIL} was full: thrown by
 * {@link ActorRef#tell}, and the cause of a failed ask. The message names the actor and the
 * capacity. The message was not delivered (and is not in dead letters: the sender has it).
 */
public class MailboxFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message which actor, which capacity */
    public MailboxFullException(String message) {
        super(message);
    }
}
