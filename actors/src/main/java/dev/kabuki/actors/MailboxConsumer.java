package dev.kabuki.actors;

/**
 * What a {@link Mailbox}'s activation drives: the actor's lifecycle and supervision
 * ({@link ActorCell}). Every method but {@link #deadLetter} is called only by the thread that
 * holds the mailbox's token, one activation at a time; none may be called concurrently.
 *
 * @param <M> the message type
 */
interface MailboxConsumer<M> {

    /** Runs {@code onStart} the first time it is called; later calls do nothing. */
    void startIfNew();

    /** Handles one ordinary message (receive, and supervision if it throws). */
    void invoke(M message);

    /** Handles one system signal. */
    void invokeSystem(SystemMessage signal);

    /** Whether ordinary messages may be handled now (not stopping, not waiting to restart). */
    boolean acceptsMessages();

    /** Whether the actor has terminated: the mailbox then closes and drains. */
    boolean isTerminated();

    /**
     * The activation is about to release the token with nothing left to do, or a batch of
     * {@code throughput} messages is over and the activation goes on or hands the token on:
     * the consumer settles what it deferred in the batch (its {@code ctx.ask}s' deadlines,
     * completed asks to sweep). An activation that re-submits itself while a sender is
     * mid-append does not call it; the next activation does.
     */
    void beforeIdle();

    /**
     * A throwable escaped the library's own code during an activation (not the actor's
     * {@code receive}, whose exceptions supervision handles): log it with the actor's path and
     * stop the actor through the normal stop path. Must not throw.
     */
    void activationEscaped(Throwable escaped);

    /**
     * The actor's dispatcher refused an activation ({@code cause}: no thread could be made):
     * log it and stop the actor through the normal stop path. Runs on the fallback dispatcher.
     */
    void activationRefused(Throwable cause);

    /**
     * The runtime shut down before an activation could run: nothing will run this actor again.
     * Terminate without {@code onStop}: fail pending asks, tell watchers and the parent, count
     * the actor as not stopped. The mailbox closes and drains itself after this returns.
     */
    void abandonedAtShutdown(Throwable reason);

    /** Sends an undeliverable message to dead letters. Any thread. */
    void deadLetter(Object message, String reason);
}
