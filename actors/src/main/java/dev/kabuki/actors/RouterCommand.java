package dev.kabuki.actors;

import dev.kabuki.scheduler.internal.PromiseHandle;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * What a {@link Router}'s router actor ({@link RouterActor}) is told. Sent only by
 * {@link Router} and by the router actor itself, never by user code.
 */
sealed interface RouterCommand {

    /**
     * A message sent to a pool router before the router actor had published its routees:
     * the router actor routes it (see {@link RouteeTable}, the handover).
     */
    record Forward(Object message) implements RouterCommand {
    }

    /**
     * An ask made before the router actor had published its routees: the router actor asks one
     * routee and completes {@code reply} with the outcome.
     */
    record ForwardAsk(Function<ActorRef<Object>, ?> request, Duration timeout, PromiseHandle<Object> reply)
            implements RouterCommand {
    }

    /**
     * Grow or shrink a pool to {@code size} routees; the reply is the new routee list, or the
     * {@code Throwable} that stopped the growth (the factory threw).
     */
    record Resize(int size, ActorRef<Object> replyTo) implements RouterCommand {
    }

    /** A retired routee: stop it once its mailbox is empty, else look again later. */
    record StopWhenIdle(ActorRef<?> routee) implements RouterCommand {
    }

    /** Reply with the router actor's own current routee list (tests, and waiting for a start). */
    record GetRoutees(ActorRef<List<ActorRef<?>>> replyTo) implements RouterCommand {
    }
}
