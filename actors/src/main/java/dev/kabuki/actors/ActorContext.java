package dev.kabuki.actors;

import dev.kabuki.scheduler.Cancellable;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What an actor can do from inside {@link Actor#receive}: know itself, spawn and stop
 * children, stop itself, reach the system.
 *
 * <p>Not thread-safe: use it only from the actor's own {@code receive} and lifecycle hooks,
 * never from another thread or a callback.
 *
 * @param <M> the actor's message type
 */
public interface ActorContext<M> {

    /** This actor's own address. */
    ActorRef<M> self();

    /** The system this actor runs in. */
    ActorSystem system();

    /**
     * Spawns a child. Children stop before their parent.
     *
     * @throws IllegalArgumentException a sibling already has that name, or the name is invalid
     */
    <C> ActorRef<C> spawn(String name, Supplier<? extends Actor<C>> factory);

    /** Spawns a child with options (mailbox, dispatcher, throughput, supervision). */
    <C> ActorRef<C> spawn(String name, Supplier<? extends Actor<C>> factory, ActorOptions options);

    /**
     * Stops a child of this actor, asynchronously: messages it has already received are not
     * processed; later ones go to dead letters.
     *
     * @throws IllegalArgumentException {@code child} is not a child of this actor
     */
    void stop(ActorRef<?> child);

    /** Stops this actor after the current message. */
    void stopSelf();

    /**
     * Sets a message aside (typically the one being handled) to handle later, after
     * {@link #unstashAll()}: an actor that cannot handle a message in its current state (not
     * connected yet, waiting for a reply) stashes it instead of dropping it. Stashed messages
     * survive a restart and go to dead letters if the actor stops. The stash is unbounded: it is
     * memory the actor holds.
     */
    void stash(M message);

    /**
     * Hands every stashed message back, in the order stashed, ahead of the mailbox: they are
     * handled before any message still waiting in the mailbox.
     */
    void unstashAll();

    /**
     * Death watch: when {@code actor} stops (for any reason), this actor's
     * {@link Actor#onTerminated} is called, on its own thread, once. Watching an actor that has
     * already stopped calls it right away. Watching twice is the same as once.
     *
     * @throws IllegalArgumentException {@code actor} is not an actor of this system
     */
    void watch(ActorRef<?> actor);

    /** Like {@link #watch}, but delivers {@code message} to this actor instead of calling the hook. */
    void watchWith(ActorRef<?> actor, M message);

    /** Stops watching; a termination not yet delivered is then not delivered. */
    void unwatch(ActorRef<?> actor);

    /**
     * Sends {@code message} to this actor once, after {@code delay}. Cancelled automatically
     * when the actor stops. Never blocks.
     *
     * @return a handle to cancel it
     */
    Cancellable scheduleOnce(Duration delay, M message);

    /**
     * Sends {@code message} to this actor after {@code initialDelay} and then every
     * {@code period}. Cancelled automatically when the actor stops. Never blocks.
     *
     * @return a handle to cancel it
     */
    Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, M message);
}
