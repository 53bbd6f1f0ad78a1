package dev.kabuki.actors;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.CurrentThreadDispatcher;
import dev.kabuki.scheduler.internal.PromiseHandle;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One ask in flight, in one object: the ask's handle (a {@link PromiseHandle}), the one-shot reply
 * address handed to the request, its timeout action, and its link in the target's
 * {@link PendingAsks}; so an ask allocates this and the wrapper that carries it with its request
 * through the target's mailbox ({@link InternalMessage.Asked}). Its timeout takes no timer entry
 * of its own: an actor's {@code ctx.ask} keeps it in the asking actor ({@link AskDeadlines}, the
 * outcome then delivered by the completion hook), any other ask in the asking thread
 * ({@link ThreadAskDeadlines}); only an ask with more distinct timeouts than those keep lanes
 * for gets an entry on the shared timer.
 *
 * <p>The first {@code tell} completes the ask's handle; anything after that (a second reply, or
 * a reply after the timeout) goes to dead letters. The description used in failure messages
 * ("ask to /user/echo with Echo (timeout 1000 ms)") is built only when a failure needs it.
 *
 * <p><b>Thread-safety:</b> {@code tell} may come from any thread; the promise decides the one
 * winner. {@link #message} and {@link #timer} are plain fields written by the asking thread
 * before it sends the request (the mailbox append): every thread that can complete the promise
 * and needs them, the target replying or failing the ask, the drainer of a stopped target's
 * mailbox, the caller holding the handle, got the ask through that publication (or is the
 * asking thread), so it sees both. The one exception is the timer thread, which gets the ask
 * when the timeout is scheduled, before {@code timer} is written: if it completes the promise
 * (the timeout fired, or the timer shut down and abandoned it) the hook may see no timer, and
 * there is nothing left to cancel.
 */
final class AskReplyRef<R> extends PromiseHandle<R> implements ActorRef<R>, Task {
    private final ActorCell<?> target;
    private final long timeoutMillis;
    /** The request, once built; identity-compared when the target fails processing it. */
    Object message;
    private Cancellable timer;
    /** The next older ask in the target's {@link PendingAsks}; the target's token holder only. */
    AskReplyRef<?> nextPending;
    /**
     * For an ask from an actor ({@code ctx.ask}), whose outcome goes straight to that actor's
     * mailbox: the asker, and the mapper that turns the outcome into its message; null for an
     * ask whose caller holds the handle. Written before the ask is published, never changed.
     */
    private ActorCell<?> pipeTo;
    private BiFunction<? super R, ? super Throwable, ?> mapper;
    /**
     * When the asker keeps this ask's timeout ({@link AskDeadlines}): its deadline on the
     * timer's clock, and the next ask of the same lane. The asking actor's token holder only.
     */
    long deadline;
    AskReplyRef<?> nextDeadline;
    /**
     * @param target  the asked actor
     * @param timer   the promise's timer for {@code orTimeout} (the system's); may be null
     * @param timeout the ask's timeout, for failure messages
     */
    AskReplyRef(ActorCell<?> target, Timer timer, Duration timeout) {
        this(target, timer, timeout, null);
    }

    /**
     * @param home the current-thread dispatcher whose driver runs the target, or null: a join
     *             outside its {@code blockOn} while nothing drives it fails fast
     */
    AskReplyRef(ActorCell<?> target, Timer timer, Duration timeout, CurrentThreadDispatcher home) {
        // The promise's completion hook is this object's onCompleted (cancel the timeout), fixed
        // before anyone can see the promise: no callback node and no CAS per ask.
        super(timer, home);
        this.target = target;
        // Saturated: a timeout beyond Long.MAX_VALUE ms (a "never" some callers pass) is legal.
        this.timeoutMillis = timeout.getSeconds() >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : timeout.toMillis();
    }

    /**
     * Makes the outcome a message to {@code asker}, made by {@code mapper} on the asker's thread
     * ({@code ctx.ask}): the completion hook delivers it, so no callback is registered. Asking
     * thread, before the ask is published.
     */
    void pipeTo(ActorCell<?> asker, BiFunction<? super R, ? super Throwable, ?> mapper) {
        this.pipeTo = asker;
        this.mapper = mapper;
    }

    /**
     * Records the scheduled timeout, for the completion hook to cancel; asking thread, once,
     * before the ask is registered with the target or its request sent (see the class note);
     * or, for an ask whose asker kept its timeout, by the asker as it stops
     * ({@link AskDeadlines#terminated}), when a completer may miss it and leave the entry to
     * fire and find the ask complete.
     */
    void armed(Cancellable timeout) {
        this.timer = timeout;
    }

    /** The asker's deadline passed with no reply ({@link AskDeadlines}); asker's thread. */
    void expire() {
        if (!isFinished()) {
            timeOut(describe() + " timed out: no reply");
        }
    }

    /** "ask to /user/x with Msg (timeout N ms)": for failure messages only. */
    String describe() {
        String what = message == null ? "?" : message.getClass().getSimpleName();
        return "ask to " + target.path() + " with " + what + " (timeout " + timeoutMillis + " ms)";
    }

    // ---------------------------------------------------------------- the timeout action

    /**
     * The timeout fired: no reply in time. Timer thread: the completion (which runs the
     * handle's callbacks) is handed to the core dispatcher, never run here.
     */
    @Override
    public void run() {
        target.system().timer().handOff(new Task() {
            @Override
            public void run() {
                timeOut(describe() + " timed out: no reply");
            }

            @Override
            public void abandon(Throwable reason) {
                run(); // the dispatcher is gone (shutting down): time it out here
            }
        });
    }

    /** The timer shut down before the timeout (or before the ask): the system is going away. */
    @Override
    public void abandon(Throwable reason) {
        RejectedExecutionException e = new RejectedExecutionException(
                "the " + describe() + " failed: the actor system is shut down");
        e.initCause(reason);
        fail(e);
    }

    // ---------------------------------------------------------------- completion

    /**
     * The completion hook: the ask completed, however, so cancel the timeout (null if the timer
     * itself completed it before it was armed, or if the asker keeps it; see the class note),
     * and hand the outcome to the asking actor if it asked with {@code ctx.ask}. The target's
     * {@link PendingAsks}, if it kept the ask, and the asker's {@link AskDeadlines} drop it at
     * their next sweep.
     */
    @Override
    protected void onCompleted(R value, JoinException failure) {
        Cancellable t = timer;
        if (t != null) {
            t.cancel();
        }
        ActorCell<?> asker = pipeTo;
        if (asker != null) {
            asker.deliverPipedOutcome(InternalMessage.Piped.ofHandle(value, failure, mapper));
        }
    }

    // ---------------------------------------------------------------- the reply address

    @Override
    public void tell(R reply) {
        tryTell(reply);
    }

    @Override
    public boolean tryTell(R reply) {
        if (complete(reply)) {
            return true;
        }
        target.system().deadLetters().publish(reply, path(), "ask already completed (" + outcome() + ")");
        return false;
    }

    /**
     * Asking the reply address: the built message becomes this ask's reply, and the returned
     * handle gets what the asker tells the address inside it (see
     * {@link PromiseRef#askThrough}); it fails at once if this ask has already completed.
     */
    @Override
    public <Q> JoinHandle<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
        return PromiseRef.askThrough(this, target.system(), request, timeout);
    }

    @Override
    public String path() {
        return target.path() + "/$ask";
    }

    @Override
    public String name() {
        return "$ask";
    }

    @Override
    public String toString() {
        return "ActorRef[" + path() + "]";
    }
}
