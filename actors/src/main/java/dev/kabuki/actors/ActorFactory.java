package dev.kabuki.actors;

/**
 * Makes an actor instance, given the context of the actor being made: the form of factory to
 * use when the instance needs its own context at construction (its {@code self()}, its
 * {@code system()}, timers to start in {@code onStart}), instead of reading a parent's context
 * captured in a lambda.
 *
 * <p>The factory runs once at spawn, on the spawning thread, <b>and again on every restart</b>
 * (see {@link SupervisorStrategy.Restart}), on the thread that runs the actor then. It must
 * therefore not read state of another actor (a parent's fields or its {@code ActorContext}):
 * capture plain values and refs before the lambda, or take what the instance needs from the
 * {@code ctx} it is given. It must not send messages or spawn from within {@code create}: keep
 * the context and do that in {@code onStart}.
 *
 * <pre>{@code
 * ActorRef<Ledger> ledger = ...;                         // a plain value: safe to capture
 * ctx.spawn("account-42", child -> new Account(child.self(), ledger));
 * }</pre>
 *
 * @param <M> the actor's message type
 */
@FunctionalInterface
public interface ActorFactory<M> {

    /**
     * Makes a fresh instance.
     *
     * @param ctx the context of the actor being made (valid for the actor's whole life)
     * @return a new instance; never null, and never an instance returned before
     */
    Actor<M> create(ActorContext<M> ctx);
}
