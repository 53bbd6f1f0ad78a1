package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.function.Function;

/**
 * The address of an actor: the only way to reach it. Cheap to copy and share; equal only to
 * itself (identity).
 *
 * <p>Thread-safe: any thread may send. No method blocks.
 *
 * @param <M> the messages the actor accepts
 */
public interface ActorRef<M> {

    /**
     * Sends a message. Never blocks. A message to a stopped actor goes to dead letters.
     *
     * @throws NullPointerException {@code message} is null
     */
    void tell(M message);

    /**
     * Sends a message if the actor can take it now: false if it is stopped (the message then
     * goes to dead letters). Never blocks.
     */
    boolean tryTell(M message);

    /**
     * Asks: sends the message built by {@code request} around a one-shot reply address and
     * returns the reply as a handle. The handle times out
     * ({@link dev.kabuki.scheduler.TaskTimeoutException}) if no reply comes within
     * {@code timeout} (never earlier; up to about two timer ticks later, 2 ms by default, and
     * exactly at it on a paused system's manual clock); it fails at once with an {@link ActorTerminatedException} cause if the
     * target is or becomes stopped first, with the target's own exception as cause if the target
     * throws while handling this message, with a {@link MailboxFullException} cause if the
     * target's bounded mailbox is full (under either overflow policy; DROP also sends the
     * request to dead letters), and with a
     * {@link java.util.concurrent.RejectedExecutionException} cause if the actor system is shut
     * down. Every failure message names the target, the message class and the timeout, e.g.
     * {@code ask to /user/counter with Get (timeout 1000 ms) timed out: no reply}. A reply that
     * comes too late goes to dead letters. Never blocks; never throws for these failures (only
     * for a bad argument).
     *
     * <pre>{@code JoinHandle<Integer> total = counter.ask(Get::new, Duration.ofSeconds(1));}</pre>
     *
     * @param request builds the message from the reply address
     * @param timeout how long to wait for the reply; positive
     * @param <R>     the reply type
     */
    <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout);

    /**
     * Asks a target that answers with a {@link StatusReply}: the handle completes with the value
     * of a {@link StatusReply.Success}, and fails with a {@link StatusReplyException} (the
     * {@code TaskFailedException}'s cause, with the target's message) for a
     * {@link StatusReply.Error}: a business error reaches the asker as a failed handle, with no
     * ERROR log, no dead letter and no restart on the target's side. Every other outcome is
     * {@link #ask}'s. Never blocks.
     *
     * <pre>{@code
     * account.askWithStatus(r -> new Withdraw(50, r), Duration.ofSeconds(1))
     *        .whenComplete((balance, failure) -> ...);
     * }</pre>
     *
     * @param <R> the value type of a successful reply
     */
    default <R> JoinHandle<R> askWithStatus(Function<ActorRef<StatusReply<R>>, ? extends M> request,
                                            Duration timeout) {
        return this.<StatusReply<R>>ask(request, timeout).map(StatusReply::getOrThrow);
    }

    /** The actor's path, e.g. {@code /user/orders/order-42}. */
    String path();

    /** The actor's name, the last element of its path. */
    String name();

    /**
     * How many messages wait in the actor's mailbox, for metrics and dumps: O(1), any thread,
     * never blocks; a snapshot that may be slightly off while senders are mid-append. Stashed
     * messages do not count. The reply address of an ask has no mailbox: 0.
     */
    default int mailboxDepth() {
        return 0;
    }
}
