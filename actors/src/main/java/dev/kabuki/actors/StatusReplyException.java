package dev.kabuki.actors;

/**
 * The failure of an {@link ActorRef#askWithStatus} whose target replied with
 * {@link StatusReply#error}: its message is the one the target gave. Made from a message, it
 * has no stack trace (a business error is an answer, not a bug); made from a throwable, that
 * throwable is its cause.
 */
public final class StatusReplyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error answer with this message and no stack trace. */
    public StatusReplyException(String message) {
        super(message, null, false, false);
    }

    /** An error answer carrying {@code cause} (its message becomes this one's). */
    public StatusReplyException(Throwable cause) {
        super(String.valueOf(cause.getMessage()), cause);
    }
}
