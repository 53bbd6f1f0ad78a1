package dev.kabuki.scheduler;

/**
 * A {@link JoinHandle#join(java.time.Duration)} waited its whole timeout; the handle is still
 * pending and the task goes on. Join again, abort it, or give up on it.
 */
public class JoinTimeoutException extends JoinException {
    private static final long serialVersionUID = 1L;

    /** @param message how long the join waited */
    public JoinTimeoutException(String message) {
        super(message, null);
    }
}
