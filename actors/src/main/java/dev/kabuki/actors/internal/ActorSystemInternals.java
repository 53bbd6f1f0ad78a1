package dev.kabuki.actors.internal;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.internal.CoreDispatcher;
import java.util.Objects;
import java.util.function.Function;

/**
 * What other kabuki modules (kabuki-net's I/O driver) may reach inside an {@link ActorSystem}
 * that is not its API. Exported only to those modules. The accessor is set once by
 * {@code ActorSystem}'s static initialiser, which has run by the time anyone holds a system.
 */
public final class ActorSystemInternals {
    private static volatile Function<ActorSystem, CoreDispatcher> coreDispatcher;

    private ActorSystemInternals() {
    }

    /** Called once by {@code ActorSystem}'s static initialiser. */
    public static void setAccess(Function<ActorSystem, CoreDispatcher> coreDispatcherAccess) {
        if (coreDispatcher != null) {
            throw new IllegalStateException("access already set");
        }
        coreDispatcher = Objects.requireNonNull(coreDispatcherAccess);
    }

    /** The system's core dispatcher. */
    public static CoreDispatcher coreDispatcher(ActorSystem system) {
        return coreDispatcher.apply(system);
    }
}
