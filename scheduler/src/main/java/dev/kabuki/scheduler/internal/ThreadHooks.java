package dev.kabuki.scheduler.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start and stop hooks a runtime runs on every thread it makes (core workers, the core
 * dispatcher's stuck-worker monitor, blocking threads, the timer), on that thread. A hook that
 * throws is logged at WARN and the thread goes on: a monitoring hook must not take the runtime
 * down.
 *
 * @param onStart run first on each new thread, before it takes any work; may be null
 * @param onStop  run last on each thread, just before it ends; may be null
 */
public record ThreadHooks(Runnable onStart, Runnable onStop) {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadHooks.class);

    /** No hooks. */
    public static final ThreadHooks NONE = new ThreadHooks(null, null);

    /** Runs {@link #onStart()} on the calling thread, logging what it throws. */
    public void runOnStart() {
        run(onStart, "onThreadStart");
    }

    /** Runs {@link #onStop()} on the calling thread, logging what it throws. */
    public void runOnStop() {
        run(onStop, "onThreadStop");
    }

    /** {@code body} with the start hook before it and the stop hook after it (always). */
    public Runnable around(Runnable body) {
        return () -> {
            runOnStart();
            try {
                body.run();
            } finally {
                runOnStop();
            }
        };
    }

    private static void run(Runnable hook, String which) {
        if (hook == null) {
            return;
        }
        try {
            hook.run();
        } catch (Throwable t) {
            LOG.warn("{} hook threw on {}; the thread goes on", which, Thread.currentThread().getName(), t);
        }
    }
}
