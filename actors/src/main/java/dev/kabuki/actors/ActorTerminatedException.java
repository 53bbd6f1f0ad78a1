package dev.kabuki.actors;

/**
 * The actor an ask was sent to is stopped, so no reply will come. Carried as the cause of the
 * ask handle's {@link dev.kabuki.scheduler.TaskFailedException}.
 */
public class ActorTerminatedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message which actor, which request */
    public ActorTerminatedException(String message) {
        super(message);
    }
}
