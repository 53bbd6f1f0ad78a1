package dev.kabuki.scheduler;

/**
 * The thread waiting in {@link JoinHandle#join()} was interrupted. The thread's interrupt status
 * is set again before this is thrown; the task is not affected.
 */
public class JoinInterruptedException extends JoinException {
    private static final long serialVersionUID = 1L;

    /** @param cause the {@link InterruptedException}, if any */
    public JoinInterruptedException(InterruptedException cause) {
        super("interrupted while waiting in join()", cause);
    }
}
