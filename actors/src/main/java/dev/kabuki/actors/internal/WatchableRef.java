package dev.kabuki.actors.internal;

import dev.kabuki.actors.ActorRef;

/**
 * A ref whose end can be watched by a local actor ({@code ActorContext.watch}) although it is
 * not a local actor of the watcher's system: a remote actor's ref (kabuki-remote). The watcher's
 * system calls {@link #addWatcher} once per watching actor and {@link #removeWatcher} when it
 * unwatches; the implementation runs each registered notification exactly once when the target
 * ends (it stopped, or its node is gone), at once if it has already ended, and never after the
 * notification was removed.
 *
 * <p>Thread-safety: both methods may be called from any thread and must not block.
 *
 * @param <M> the target's message type
 */
public interface WatchableRef<M> extends ActorRef<M> {
    /** Registers {@code notify}, to run once when the target ends (at once if it has). */
    void addWatcher(Runnable notify);

    /** Removes {@code notify}; harmless if it was never added or has run. */
    void removeWatcher(Runnable notify);
}
