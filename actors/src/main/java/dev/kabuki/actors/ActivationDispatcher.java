package dev.kabuki.actors;

import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;

/**
 * Where a {@link Mailbox}'s activations run: the core dispatcher, or the blocking pool for
 * actors tagged blocking. One instance of each per {@link ActorSystem}, shared by its mailboxes.
 *
 * <p>Thread-safe; no method blocks or throws: a dispatcher that cannot run an activation
 * {@linkplain Task#abandon abandons} it (see {@link Mailbox#abandon}).
 */
interface ActivationDispatcher {

    /** Runs {@code activation}; the caller holds its mailbox's token and hands it over. */
    void execute(Task activation);

    /**
     * Re-runs an activation that yields although it could go on: behind the work already
     * waiting for the calling thread.
     */
    void executeYielded(Task activation);

    /** Whether other work waits for the calling thread (see CoreDispatcher.hasQueuedWork). */
    boolean hasQueuedWork();

    /**
     * Where an activation this dispatcher refused goes to run the actor's stop path: the core
     * dispatcher for the blocking pool; {@code null} for the core dispatcher itself, whose
     * refusal means the runtime has shut down.
     */
    ActivationDispatcher fallback();

    /** The runtime's timer, for a mailbox that backs off (see Mailbox). */
    Timer timer();
}
