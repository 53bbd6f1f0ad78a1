package dev.kabuki.scheduler;

/** Placeholder; replaced by the real current-thread dispatcher. */
public final class CurrentThreadDispatcher {
    static CurrentThreadDispatcher drivenBy(Thread t) {
        return null;
    }

    void runUntilFinished(AbstractJoinHandle<?> handle, boolean timed, long nanos) {
    }
}
