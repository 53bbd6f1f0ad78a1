package dev.kabuki.scheduler;

/** The task threw; {@link #getCause()} is the exception it threw. */
public class TaskFailedException extends JoinException {
    private static final long serialVersionUID = 1L;

    /** @param cause the task's exception, never {@code null} */
    public TaskFailedException(Throwable cause) {
        super("task failed: " + cause, cause);
    }

    /** @param message what failed, @param cause the task's exception */
    public TaskFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
