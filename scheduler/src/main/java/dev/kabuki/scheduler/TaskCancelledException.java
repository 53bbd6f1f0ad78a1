package dev.kabuki.scheduler;

/** The handle was aborted before the task produced an outcome. */
public class TaskCancelledException extends JoinException {
    private static final long serialVersionUID = 1L;

    /** @param message what was cancelled and by what */
    public TaskCancelledException(String message) {
        super(message, null);
    }
}
