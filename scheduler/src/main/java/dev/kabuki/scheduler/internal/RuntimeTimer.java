package dev.kabuki.scheduler.internal;

/**
 * The timer a runtime owns: a {@link Timer} plus what its owner needs to run it, the wiring of
 * completions to the core dispatcher, a pending count for metrics, and shutdown. Implemented by
 * the real {@link TimingWheel} and by the {@link ManualTimer} of a runtime on manual time.
 */
public interface RuntimeTimer extends Timer, AutoCloseable {

    /** Hands every later completion ({@link #handOff}) to {@code dispatcher}. Once, at start. */
    void handCompletionsTo(CoreDispatcher dispatcher);

    /** Timer actions waiting (approximate while they are scheduled, cancelled or fired). */
    int pendingCount();

    /**
     * Stops the timer: every pending action is abandoned, later schedules are refused.
     *
     * @return how many pending actions were abandoned
     */
    int shutdown();

    /** {@link #shutdown()}. */
    @Override
    void close();
}
