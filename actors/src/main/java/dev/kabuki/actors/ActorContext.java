package dev.kabuki.actors;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What an actor can do from inside {@link Actor#receive}: know itself, spawn and stop
 * children, stop itself, reach the system, ask other actors, set timers.
 *
 * <p>Not thread-safe: use it only from the actor's own {@code receive} and lifecycle hooks,
 * never from another thread or a callback (a {@code whenComplete} runs on whichever thread
 * completes the handle). To act on the outcome of something asynchronous, pipe it to yourself
 * ({@link #pipeToSelf}, {@link #ask}): it then arrives as an ordinary message.
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
     * <p>{@code factory} runs now, on this thread, for the first instance, <b>and again on every
     * restart of the child</b>, on the child's thread: it must not read this actor's state or
     * this context (capture plain values and refs before the lambda, e.g.
     * {@code ActorRef<M> parent = ctx.self();}), or use the {@link ActorFactory} form, which is
     * handed the child's own context.
     *
     * @throws IllegalArgumentException a sibling already has that name, or the name is invalid
     */
    <C> ActorRef<C> spawn(String name, Supplier<? extends Actor<C>> factory);

    /**
     * Spawns a child with options (mailbox, dispatcher, throughput, supervision). See
     * {@link #spawn(String, Supplier)} about when the factory runs.
     */
    <C> ActorRef<C> spawn(String name, Supplier<? extends Actor<C>> factory, ActorOptions options);

    /**
     * Spawns a child whose factory is given the child's own context (at spawn and at every
     * restart); see {@link ActorFactory}.
     */
    <C> ActorRef<C> spawn(String name, ActorFactory<C> factory);

    /** {@link #spawn(String, ActorFactory)} with options. */
    <C> ActorRef<C> spawn(String name, ActorFactory<C> factory, ActorOptions options);

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

    // ------------------------------------------------------------ keyed timers

    /**
     * Sends {@code message} to this actor once, after {@code delay}, under {@code key}: a timer
     * already running under an equal key is cancelled and replaced. A cancelled or replaced
     * timer's message is never received, even if it had already fired and was waiting in the
     * mailbox. The timer stays {@linkplain #isTimerActive active} until its message is received.
     * Every timer is cancelled when the actor stops or restarts (the fresh instance starts the
     * timers it wants in {@code onRestart}). Never blocks.
     *
     * @param key any object with a meaningful {@code equals} (a record, an enum, a string)
     * @throws IllegalArgumentException {@code delay} is negative
     */
    void startSingleTimer(Object key, M message, Duration delay);

    /**
     * Sends {@code message} to this actor after {@code initialDelay}, then every
     * {@code interval} at a fixed rate (deadlines {@code initialDelay + n * interval}, no
     * drift), under {@code key}, replacing any timer under an equal key. Active until cancelled
     * or until the actor stops or restarts. Never blocks.
     *
     * @throws IllegalArgumentException {@code initialDelay} is negative or {@code interval} is
     *                                  not positive
     */
    void startTimerAtFixedRate(Object key, M message, Duration initialDelay, Duration interval);

    /**
     * Cancels the timer under {@code key}, if any: its message is not received from now on,
     * even one already in the mailbox. Never blocks.
     */
    void cancelTimer(Object key);

    /**
     * Whether a timer runs under {@code key}: started and neither cancelled, replaced nor (for a
     * single timer) received yet.
     */
    boolean isTimerActive(Object key);

    /**
     * Receive timeout: delivers {@code message} to this actor whenever it has received no
     * message for {@code timeout} (again after every further {@code timeout} of silence, until
     * cancelled). Every received message restarts the wait, except the timeout message itself.
     * Setting it again replaces the previous one. Cancelled when the actor stops or restarts.
     *
     * @throws IllegalArgumentException {@code timeout} is not positive
     */
    void setReceiveTimeout(Duration timeout, M message);

    /** Cancels the receive timeout, if set. */
    void cancelReceiveTimeout();

    // ------------------------------------------------------------ asynchronous results

    /**
     * Delivers the outcome of {@code handle} to this actor as a message: when the handle
     * completes, {@code mapper} turns {@code (value, null)} or {@code (null, failure)} into one
     * of this actor's messages, <b>on this actor's thread</b>, and the actor receives it like any
     * other message, one at a time with the rest (so the mapper, too, may read the actor's
     * state). {@code failure} is the task's own exception when it failed (an ask's: the
     * {@link ActorTerminatedException}, the target's exception, the
     * {@link StatusReplyException}...), or the {@link dev.kabuki.scheduler.TaskTimeoutException}
     * or {@link dev.kabuki.scheduler.TaskCancelledException}. An exception from the mapper is a
     * failure of this actor, handled by its supervision like one from {@code receive}. If the
     * actor has stopped by then, the outcome goes to dead letters. A restart does not cancel it:
     * the fresh instance receives it. Never blocks.
     *
     * <pre>{@code
     * ctx.pipeToSelf(ctx.system().spawnBlocking(() -> db.load(id)),
     *         (row, failure) -> failure == null ? new Loaded(row) : new LoadFailed(failure));
     * }</pre>
     */
    <T> void pipeToSelf(JoinHandle<T> handle, BiFunction<? super T, ? super Throwable, ? extends M> mapper);

    /**
     * {@link #pipeToSelf(JoinHandle, BiFunction)} for a {@link CompletionStage} (a
     * {@code CompletableFuture} from a client library): {@code failure} is the stage's exception,
     * unwrapped from a {@link java.util.concurrent.CompletionException}.
     */
    <T> void pipeToSelf(CompletionStage<T> stage, BiFunction<? super T, ? super Throwable, ? extends M> mapper);

    /**
     * Asks {@code target} and delivers the reply, or the failure, to this actor as a message
     * made by {@code mapper} on this actor's thread (Pekko's {@code context.ask}): an ask from
     * inside an actor without blocking and without touching actor state from another thread.
     * The same as {@code pipeToSelf(target.ask(request, timeout), mapper)}, but for the timeout's
     * start: the asks a batch of this actor's messages sends count their timeout from the end of
     * that batch (one clock read for all of them; a batch is at most the actor's
     * {@code throughput} messages), so an ask never times out before {@code timeout} has passed
     * since it was sent, and may time out as much later as the rest of its batch took. Its
     * outcome, a message to this actor, could not be handled before the batch ended anyway.
     *
     * <pre>{@code
     * ctx.ask(from, r -> new Withdraw(amount, r), Duration.ofSeconds(1),
     *         (balance, failure) -> new WithdrawDone(transferId, failure));
     * }</pre>
     *
     * @throws IllegalArgumentException {@code timeout} is not positive
     */
    <Q, R> void ask(ActorRef<Q> target, Function<ActorRef<R>, ? extends Q> request, Duration timeout,
                    BiFunction<? super R, ? super Throwable, ? extends M> mapper);

    /**
     * {@link #ask} for a target that answers with a {@link StatusReply}: the mapper gets the
     * value of a success, or a {@link StatusReplyException} for an error reply (or the ask's
     * own failure).
     *
     * @throws IllegalArgumentException {@code timeout} is not positive
     */
    <Q, R> void askWithStatus(ActorRef<Q> target, Function<ActorRef<StatusReply<R>>, ? extends Q> request,
                              Duration timeout, BiFunction<? super R, ? super Throwable, ? extends M> mapper);
}
