package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.Task;
import dev.kabuki.scheduler.Timer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One ask in flight: the one-shot reply address handed to the request, and all of the ask's
 * bookkeeping in the same object (its timeout action, its node in the target's
 * {@link PendingAsks}, its completion callback), so an ask allocates this, its {@link Promise} and a timer entry.
 *
 * <p>The first {@code tell} completes the ask's handle; anything after that (a second reply, or
 * a reply after the timeout) goes to dead letters. The description used in failure messages
 * ("ask to /user/echo with Echo (timeout 1000 ms)") is built only when a failure needs it.
 *
 * <p><b>Thread-safety:</b> {@code tell} may come from any thread; the promise decides the one
 * winner. {@link #message} and {@link #timer} are written by the asking thread before the
 * request is sent and before the completion callback is registered (a CAS in the promise), so
 * the threads that read them later (the target, the timer, the completer) see them.
 */
final class AskReplyRef<R> implements ActorRef<R>, Task, BiConsumer<R, JoinException> {
    final Promise<R> promise;
    private final ActorCell<?> target;
    private final long timeoutMillis;
    /** The request, once built; identity-compared when the target fails processing it. */
    Object message;
    private Timer.Cancellable timer;
    /** The next older ask in the target's {@link PendingAsks}; see there for who writes it. */
    AskReplyRef<?> nextPending;
    /** The depth of the target's {@link PendingAsks} with this ask on top. */
    int depth;
    AskReplyRef(Promise<R> promise, ActorCell<?> target, Duration timeout) {
        this.promise = promise;
        this.target = target;
        this.timeoutMillis = timeout.toMillis();
    }

    /** Arms the timeout and the clean-up once the request is built; asking thread, once. */
    void start(Timer.Cancellable timeout) {
        this.timer = timeout;
        promise.whenComplete(this);
    }

    /** "ask to /user/x with Msg (timeout N ms)": for failure messages only. */
    String describe() {
        String what = message == null ? "?" : message.getClass().getSimpleName();
        return "ask to " + target.path() + " with " + what + " (timeout " + timeoutMillis + " ms)";
    }

    // ---------------------------------------------------------------- the timeout action

    /** The timeout fired: no reply in time. Timer thread. */
    @Override
    public void run() {
        promise.timeOut(describe() + " timed out: no reply");
    }

    /** The timer shut down before the timeout (or before the ask): the system is going away. */
    @Override
    public void abandon(Throwable reason) {
        RejectedExecutionException e = new RejectedExecutionException(
                "the " + describe() + " failed: the actor system is shut down");
        e.initCause(reason);
        promise.fail(e);
    }

    // ---------------------------------------------------------------- completion

    /**
     * The ask completed, however: cancel the timeout. (The target's {@link PendingAsks} drops
     * the ask at its next sweep.)
     */
    @Override
    public void accept(R value, JoinException failure) {
        Timer.Cancellable t = timer;
        if (t != null) {
            t.cancel();
        }
    }

    // ---------------------------------------------------------------- the reply address

    @Override
    public void tell(R reply) {
        tryTell(reply);
    }

    @Override
    public boolean tryTell(R reply) {
        if (promise.complete(reply)) {
            return true;
        }
        target.system().deadLetters().publish(reply, path(), "ask already completed (" + promise.outcome() + ")");
        return false;
    }

    @Override
    public <Q> JoinHandle<Q> ask(Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
        throw new UnsupportedOperationException("cannot ask the reply address of an ask");
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
