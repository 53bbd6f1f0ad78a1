package dev.kabuki.scheduler;

import java.time.Duration;

/**
 * Runs small internal actions after a delay (the runtime's {@link TimingWheel}).
 *
 * <p>An action runs on the timer's own thread, so it must be short and must not block: the
 * runtime's actions hand user work to a dispatcher, complete a handle as timed out, and so on.
 * If the timer shuts down before the action is due, the action is
 * {@linkplain Task#abandon(Throwable) abandoned} instead.
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

    /** A pending timer that can be cancelled. */
    interface Cancellable {
        /**
         * Cancels the timer if it has not fired yet; the action then neither runs nor is
         * abandoned.
         *
         * @return {@code true} if this call cancelled it
         */
        boolean cancel();
    }
}
