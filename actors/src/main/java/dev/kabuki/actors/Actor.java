package dev.kabuki.actors;

/**
 * An actor: state plus a {@link #receive} method that handles one message at a time.
 *
 * <pre>{@code
 * sealed interface CounterMsg permits Increment, Get {}
 * record Increment(int by) implements CounterMsg {}
 * record Get(ActorRef<Integer> replyTo) implements CounterMsg {}
 *
 * final class Counter implements Actor<CounterMsg> {
 *     private int total;
 *     @Override public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
 *         switch (msg) {
 *             case Increment inc -> total += inc.by();
 *             case Get get -> get.replyTo().tell(total);
 *         }
 *     }
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>An actor never runs on two threads at once: its fields need no synchronization.</li>
 *   <li>Messages from one sender arrive in the order they were sent.</li>
 *   <li>Every message sent is either processed or delivered to dead letters
 *       ({@link ActorSystem#deadLetters()}); none is silently lost.</li>
 * </ul>
 *
 * <h2>Blocking</h2>
 * {@code receive} runs on a core worker: it must not block (no sleeps, no blocking I/O, no
 * {@code join()} on pending handles, which fails fast there). Reply by telling, compose with
 * {@code whenComplete}, or do blocking work with {@code ctx.system().spawnBlocking(...)} and
 * tell yourself the result.
 *
 * <h2>Failure</h2>
 * An exception from {@code receive} or {@code onStart} is logged with the actor's path and
 * handled by the actor's {@link SupervisorStrategy} (default: restart with backoff).
 *
 * @param <M> the message type; a sealed interface of records is the idiom
 */
public interface Actor<M> {

    /** Handles one message. Called on one thread at a time. */
    void receive(ActorContext<M> ctx, M message) throws Exception;

    /** Called once, before the first message. Default: nothing. */
    default void onStart(ActorContext<M> ctx) throws Exception {
    }

    /**
     * Called on the fresh instance made by a restart (see {@link SupervisorStrategy.Restart}),
     * instead of {@link #onStart}; the mailbox and its messages are kept. Default: calls
     * {@code onStart}.
     */
    default void onRestart(ActorContext<M> ctx, Throwable cause) throws Exception {
        onStart(ctx);
    }

    /**
     * Called when an actor this one {@linkplain ActorContext#watch watches} has stopped (unless
     * it was watched with {@link ActorContext#watchWith}, which delivers a message instead).
     * Default: nothing.
     */
    default void onTerminated(ActorContext<M> ctx, ActorRef<?> actor) throws Exception {
    }

    /**
     * Called when a child of this actor has been restarted by its supervision
     * ({@link SupervisorStrategy.Restart}), after the child's fresh instance ran
     * {@code onRestart}: a parent that wants to know overrides it (to count restarts, to alert,
     * to stop a child that keeps failing). Not called for a child that has stopped since, or
     * while this actor is stopping. Runs on this actor's thread. Default: nothing.
     *
     * @param child the restarted child
     * @param cause what made it fail
     */
    default void onChildRestarted(ActorContext<M> ctx, ActorRef<?> child, Throwable cause) throws Exception {
    }

    /** Called exactly once when the actor stops, after its children have stopped. Default: nothing. */
    default void onStop(ActorContext<M> ctx) throws Exception {
    }
}
