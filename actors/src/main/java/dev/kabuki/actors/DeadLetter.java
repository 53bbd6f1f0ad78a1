package dev.kabuki.actors;

/**
 * A message that could not be delivered.
 *
 * @param message   the message
 * @param recipient the path of the actor it was for
 * @param reason    why it was not delivered (e.g. "recipient stopped")
 */
public record DeadLetter(Object message, String recipient, String reason) {
}
