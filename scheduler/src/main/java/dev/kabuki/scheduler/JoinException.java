package dev.kabuki.scheduler;

/**
 * Why {@link JoinHandle#join()} did not return a value. Unchecked, like
 * {@link java.util.concurrent.CompletionException}: catch the subclass you care about.
 *
 * <ul>
 *   <li>{@link TaskFailedException}: the task threw; {@link #getCause()} is its exception;</li>
 *   <li>{@link TaskCancelledException}: the handle was aborted;</li>
 *   <li>{@link TaskTimeoutException}: the handle's own timeout fired;</li>
 *   <li>{@link JoinTimeoutException}: a {@code join(Duration)} waited out its time (the task
 *       goes on);</li>
 *   <li>{@link JoinInterruptedException}: the joining thread was interrupted.</li>
 * </ul>
 */
public class JoinException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message and an optional cause. */
    protected JoinException(String message, Throwable cause) {
        super(message, cause);
    }
}
