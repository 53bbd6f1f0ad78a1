package dev.kabuki.actors.internal;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.internal.CoreDispatcher;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.util.Objects;

/**
 * What other kabuki modules (kabuki-net's I/O driver, kabuki-remote) may reach inside an
 * {@link ActorSystem} that is not its API. Exported only to those modules. The access is set
 * once by {@code ActorSystem}'s static initialiser, which has run by the time anyone holds a
 * system. Thread-safe; nothing here blocks.
 */
public final class ActorSystemInternals {
    /** What {@code ActorSystem} gives this class. */
    public interface Access {
        CoreDispatcher coreDispatcher(ActorSystem system);

        /**
         * The hooks every thread of the system runs as it starts and ends: they mark the thread
         * as the system's own (so that {@code close()} from an actor on it does not wait for
         * itself) and run the user's {@code onThreadStart}/{@code onThreadStop}.
         */
        ThreadHooks threadHooks(ActorSystem system);

        /** The uid of a local actor's incarnation (never 0), or 0 if {@code ref} is not a local actor. */
        int actorUid(ActorRef<?> ref);

        /** The system's live top-level actor {@code name} ({@code /user/name}), or null. */
        ActorRef<?> topLevel(ActorSystem system, String name);

        /**
         * Runs {@code notify} once when the local actor {@code ref} ends (at once if it has);
         * false if {@code ref} is not a local actor.
         */
        boolean addWatcher(ActorRef<?> ref, Runnable notify);

        /** Undoes {@link #addWatcher}; harmless if it has run. */
        void removeWatcher(ActorRef<?> ref, Runnable notify);

        /** Publishes an undeliverable message to the system's dead letters (counted). */
        void deadLetter(ActorSystem system, Object message, String recipient, String reason);
    }

    private static volatile Access access;

    private ActorSystemInternals() {
    }

    /** Called once by {@code ActorSystem}'s static initialiser. */
    public static void setAccess(Access a) {
        if (access != null) {
            throw new IllegalStateException("access already set");
        }
        access = Objects.requireNonNull(a);
    }

    /** The system's core dispatcher. */
    public static CoreDispatcher coreDispatcher(ActorSystem system) {
        return access.coreDispatcher(system);
    }

    /** See {@link Access#threadHooks}. */
    public static ThreadHooks threadHooks(ActorSystem system) {
        return access.threadHooks(system);
    }

    /** See {@link Access#actorUid}. */
    public static int actorUid(ActorRef<?> ref) {
        return access.actorUid(ref);
    }

    /** See {@link Access#addWatcher}. */
    public static boolean addWatcher(ActorRef<?> ref, Runnable notify) {
        return access.addWatcher(ref, notify);
    }

    /** See {@link Access#removeWatcher}. */
    public static void removeWatcher(ActorRef<?> ref, Runnable notify) {
        access.removeWatcher(ref, notify);
    }

    /** See {@link Access#deadLetter}. */
    public static void deadLetter(ActorSystem system, Object message, String recipient, String reason) {
        access.deadLetter(system, message, recipient, reason);
    }

    /** See {@link Access#topLevel}. */
    public static ActorRef<?> topLevel(ActorSystem system, String name) {
        return access.topLevel(system, name);
    }
}
