package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.PromiseHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A one-shot reply address over a promise: the first {@code tell} completes it, anything after
 * that goes to dead letters. It is what a reply address hands out when it is itself asked
 * ({@link #askThrough}): the conversation "I reply with an offer; tell me through the address in
 * it whether you accept". Thread-safe; never blocks.
 */
final class PromiseRef<T> implements ActorRef<T> {
    private final PromiseHandle<T> promise;
    private final String path;
    private final ActorSystem system;

    PromiseRef(PromiseHandle<T> promise, String path, ActorSystem system) {
        this.promise = promise;
        this.path = path;
        this.system = system;
    }

    /**
     * Asking a reply address: the message {@code request} builds around a fresh one-shot address
     * is sent to {@code address} (so it becomes the reply of the ask that address belongs to),
     * and the returned handle completes with what is told to the fresh address, or times out.
     * If {@code address} no longer takes a message (its ask already completed), the handle
     * fails at once with an {@link IllegalStateException} saying so.
     */
    static <R, Q> JoinHandle<Q> askThrough(ActorRef<R> address, ActorSystem system,
                                          Function<ActorRef<Q>, ? extends R> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + timeout);
        }
        PromiseHandle<Q> answer = new PromiseHandle<>(system.timer());
        R message = Objects.requireNonNull(request.apply(new PromiseRef<>(answer, address.path() + "/$ask", system)),
                "the ask's request function returned null");
        if (address.tryTell(message)) {
            answer.orTimeout(timeout);
        } else {
            answer.fail(new IllegalStateException("cannot ask " + address.path()
                    + ": it already took its one reply"));
        }
        return answer;
    }

    @Override
    public void tell(T message) {
        tryTell(message);
    }

    @Override
    public boolean tryTell(T message) {
        Objects.requireNonNull(message, "message");
        if (promise.complete(message)) {
            return true;
        }
        system.deadLetters().publish(message, path, "reply address already completed (" + promise.outcome() + ")");
        return false;
    }

    @Override
    public <Q> JoinHandle<Q> ask(Function<ActorRef<Q>, ? extends T> request, Duration timeout) {
        return askThrough(this, system, request, timeout);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String name() {
        return "$ask";
    }

    @Override
    public String toString() {
        return "ActorRef[" + path + "]";
    }
}
