package dev.kabuki.scheduler.internal;

import java.util.Objects;

/**
 * What both runtime timers share: where the completions their actions hand off go (the core
 * dispatcher the runtime registers), so that handle callbacks never run inside a timer action.
 *
 * <p>{@code completions} is written once by the runtime at start and read by whichever thread
 * runs a timer action: volatile, so an action that fires right after the registration sees it
 * (before it, completions run on the calling thread).
 */
abstract class CompletionHandOff implements RuntimeTimer {
    /** Where {@link #handOff} sends completions; null: they run on the calling thread. */
    private volatile CoreDispatcher completions;

    /**
     * From now on, completions handed off by timer actions ({@link #handOff}) go to
     * {@code dispatcher} ({@link CoreDispatcher#executeCompletion}), never run in the timer
     * action. The runtime calls it once, after building its core dispatcher. Thread-safe.
     */
    @Override
    public final void handCompletionsTo(CoreDispatcher dispatcher) {
        this.completions = Objects.requireNonNull(dispatcher, "dispatcher");
    }

    @Override
    public final void handOff(Task completion) {
        CoreDispatcher d = completions;
        if (d == null) {
            completion.run();
        } else {
            d.executeCompletion(completion);
        }
    }
}
