package dev.kabuki.scheduler;

/**
 * The handle's own timeout ({@link JoinHandle#orTimeout}, an ask's timeout) fired before the
 * task finished; the task was aborted.
 */
public class TaskTimeoutException extends JoinException {
    private static final long serialVersionUID = 1L;

    /** @param message what timed out, and after how long */
    public TaskTimeoutException(String message) {
        super(message, null);
    }
}
