package dev.kabuki.actors;

/**
 * A signal on an actor's system lane: processed before any ordinary message, by
 * {@link ActorCell#invokeSystem}. Sent by the runtime only (never by user code), from any
 * thread.
 */
sealed interface SystemMessage {

    /** Stop: children first, then {@code onStop}, then the mailbox closes. */
    record Stop() implements SystemMessage {
    }

    /** A child has terminated: it is removed, and a stop or restart waiting for it goes on. */
    record ChildTerminated(ActorCell<?> child) implements SystemMessage {
    }

    /** A child escalated its failure: the parent's own strategy applies to the parent. */
    record ChildFailed(ActorCell<?> child, Throwable cause) implements SystemMessage {
    }

    /** A child was restarted by its supervision: the parent's {@code onChildRestarted}. */
    record ChildRestarted(ActorCell<?> child, Throwable cause) implements SystemMessage {
    }

    /** The restart backoff has elapsed: make the fresh instance. */
    record Restart() implements SystemMessage {
    }

    /**
     * A watched actor has terminated: {@code onTerminated} with {@code watchedAs} (the ref the
     * watcher passed to {@code watch}: the actor itself, or a router in front of it), or
     * {@code message} when it was watched with {@code watchWith} (null otherwise).
     */
    record Terminated(Object actor, ActorRef<?> watchedAs, Object message) implements SystemMessage {
    }

    /**
     * The timer entry of the actor's own asks ({@link AskDeadlines}) fired: time out those past
     * their deadline. Survives a restart: the asks are the actor's, not an instance's.
     */
    record AskTimeoutsDue() implements SystemMessage {
    }

    /** Shared instance: carries nothing. */
    AskTimeoutsDue ASK_TIMEOUTS_DUE = new AskTimeoutsDue();

    /** Shared instance: a stop carries nothing. */
    Stop STOP = new Stop();

    /** Shared instance: a restart carries nothing. */
    Restart RESTART = new Restart();
}
