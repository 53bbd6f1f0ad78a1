package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@link ActorSystem#ignoreRef()}: a reply address that drops whatever it is told, on purpose
 * (not a dead letter). Thread-safe; never blocks; one per system.
 */
final class IgnoreRef implements ActorRef<Object> {
    private final ActorSystem system;

    IgnoreRef(ActorSystem system) {
        this.system = system;
    }

    @Override
    public void tell(Object message) {
        Objects.requireNonNull(message, "message");
    }

    /** Always accepted (and dropped). */
    @Override
    public boolean tryTell(Object message) {
        Objects.requireNonNull(message, "message");
        return true;
    }

    /** The request is dropped like any message, so nobody answers: the handle times out. */
    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends Object> request, Duration timeout) {
        return PromiseRef.askThrough(this, system, request, timeout);
    }

    @Override
    public String path() {
        return "/ignore";
    }

    @Override
    public String name() {
        return "ignore";
    }

    @Override
    public String toString() {
        return "ActorRef[/ignore]";
    }
}
