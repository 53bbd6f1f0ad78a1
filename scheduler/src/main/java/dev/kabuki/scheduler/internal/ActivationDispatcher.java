package dev.kabuki.scheduler.internal;

/**
 * Where a recurring task runs: an actor's mailbox, whose activations are handed to it again
 * and again. A {@link CoreDispatcher} is one (its activations are the mailbox itself, with no
 * adapter between them on the path of every message); the actor layer wraps the blocking pool
 * in another, whose {@linkplain #fallback() fallback} is the core dispatcher.
 *
 * <p>Thread-safe; no method blocks or throws: a dispatcher that cannot run an activation
 * {@linkplain Task#abandon abandons} it.
 */
public interface ActivationDispatcher {

    /** Runs {@code activation}; the caller holds its mailbox's token and hands it over. */
    void execute(Task activation);

    /**
     * Re-runs an activation that yields although it could go on: behind the work already
     * waiting for the calling thread.
     */
    void executeYielded(Task activation);

    /** Whether other work waits for the calling thread (see {@link CoreDispatcher#hasQueuedWork}). */
    boolean hasQueuedWork();

    /**
     * Where an activation this dispatcher refused goes to run the actor's stop path: the core
     * dispatcher for the blocking pool; {@code null} for the core dispatcher itself, whose
     * refusal means the runtime has shut down.
     */
    default ActivationDispatcher fallback() {
        return null;
    }

    /**
     * Keeps {@code activation}, whose run is ending with nothing left to do, on the calling
     * worker for one more task, holding its token (see {@link LingeringTask}). Called by the
     * activation itself, as the last thing its run does; the dispatcher later runs it again or
     * has it release its token, exactly once.
     *
     * @return true if the dispatcher took it; false (the default, and on any thread that is not
     *     one of this dispatcher's workers) if the caller must release its token itself
     */
    default boolean linger(LingeringTask activation) {
        return false;
    }

    /** The runtime's timer, for an activation that backs off for a tick. */
    Timer timer();
}
