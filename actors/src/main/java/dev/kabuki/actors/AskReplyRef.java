package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.time.Duration;
import java.util.function.Function;

/**
 * The one-shot reply address of an ask: its first {@code tell} completes the ask's handle;
 * anything after that (a second reply, or a reply after the timeout) goes to dead letters.
 */
final class AskReplyRef<R> implements ActorRef<R> {
    private final Promise<R> promise;
    private final ActorRef<?> target;
    private final DeadLetters deadLetters;

    AskReplyRef(Promise<R> promise, ActorRef<?> target, DeadLetters deadLetters) {
        this.promise = promise;
        this.target = target;
        this.deadLetters = deadLetters;
    }

    @Override
    public void tell(R message) {
        if (!promise.complete(message)) {
            deadLetters.publish(message, path(), "ask already completed (" + promise.outcome() + ")");
        }
    }

    @Override
    public boolean tryTell(R message) {
        if (promise.complete(message)) {
            return true;
        }
        deadLetters.publish(message, path(), "ask already completed (" + promise.outcome() + ")");
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
