package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.Cancellable;
import java.time.Duration;

/**
 * Runs small internal actions after a delay (the runtime's {@link TimingWheel}).
 *
 * <p>An action runs on the timer's own thread, so it must be short and must not block: the
 * runtime's actions hand user work to a dispatcher, complete a handle as timed out, and so on.
 * If the timer shuts down before the action is due, the action is
 * {@linkplain Task#abandon(Throwable) abandoned} instead.
 *
 * <p>Every deadline is measured on the timer's own clock, {@link #nanoTime()}: code that
 * computes a deadline for a timer (a fixed-rate task's next planned start) reads that clock,
 * never {@link System#nanoTime()} directly, so that a timer on a manual clock
 * ({@link ManualTimer}) moves the whole runtime's notion of time.
 *
 * <p>Thread-safe: any thread may schedule and cancel.
 */
public interface Timer {

    /**
     * Schedules {@code action} to run once after {@code delay} (rounded up to the timer's tick).
     *
     * @param delay  how long from now; zero or negative means the next tick
     * @param action what to run on the timer thread
     * @return a handle to cancel it
     * @throws java.util.concurrent.RejectedExecutionException the timer is shut down (the action
     *                                                        is abandoned first)
     */
    Cancellable schedule(Duration delay, Task action);

    /**
     * Runs {@code completion}, an action that completes a handle (and so runs its callbacks,
     * user code), away from the timer thread: a timer action that completes something hands
     * it on here instead of completing it itself, so that one slow callback never delays every
     * later timer. {@link TimingWheel} hands it to the core dispatcher the runtime registered
     * ({@link TimingWheel#handCompletionsTo}); by default, and before one is registered, it
     * runs on the calling thread. Never blocks.
     */
    default void handOff(Task completion) {
        completion.run();
    }

    /**
     * The timer's clock, in nanoseconds, on the scale of {@link System#nanoTime()}: only
     * differences between two readings mean anything. A delay given to {@link #schedule} is
     * measured from this clock's reading at the call. {@link System#nanoTime()} by default;
     * {@link ManualTimer} returns its manual time. Thread-safe; never blocks.
     */
    default long nanoTime() {
        return System.nanoTime();
    }

}
