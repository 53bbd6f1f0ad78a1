package dev.kabuki.actors;

import java.time.Duration;
import java.util.Objects;

/**
 * What happens when an actor's {@code receive} (or {@code onStart}) throws. Chosen by whoever
 * spawns the actor (its parent), in {@link ActorOptions#supervision}. Every failure is logged
 * at ERROR with the actor's path; the message that caused it goes to dead letters.
 *
 * <ul>
 *   <li>{@link Restart} (the default, {@link #restart()}): stop the actor's children, make a
 *       fresh instance from the factory (its {@code onRestart} runs) and go on with the same
 *       mailbox, after an exponential backoff; more than {@code maxRestarts} restarts within
 *       {@code window} stop the actor instead.</li>
 *   <li>{@link Resume}: keep the instance and its state, go on with the next message.</li>
 *   <li>{@link Stop}: stop the actor.</li>
 *   <li>{@link Escalate}: stop the actor and fail its parent with the same exception (the
 *       parent's own strategy then applies to the parent). A top-level actor escalates to the
 *       root, which stops it.</li>
 * </ul>
 */
public sealed interface SupervisorStrategy {

    /**
     * Restart with backoff {@code minBackoff}, doubling per restart within the window up to
     * {@code maxBackoff}; stop after {@code maxRestarts} restarts within {@code window}.
     */
    record Restart(int maxRestarts, Duration window, Duration minBackoff, Duration maxBackoff)
            implements SupervisorStrategy {
        /** Validates. */
        public Restart {
            if (maxRestarts < 0) {
                throw new IllegalArgumentException("maxRestarts must be zero or more, got " + maxRestarts);
            }
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(minBackoff, "minBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window must be positive, got " + window);
            }
            if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("need 0 <= minBackoff <= maxBackoff, got "
                        + minBackoff + " and " + maxBackoff);
            }
        }
    }

    /** Keep the instance and go on with the next message. */
    record Resume() implements SupervisorStrategy {
    }

    /** Stop the actor. */
    record Stop() implements SupervisorStrategy {
    }

    /** Stop the actor and fail its parent with the same exception. */
    record Escalate() implements SupervisorStrategy {
    }

    /**
     * The default: restart, at most 10 times within 1 minute, backoff from 10 ms doubling up to
     * 1 s.
     */
    static SupervisorStrategy restart() {
        return new Restart(10, Duration.ofMinutes(1), Duration.ofMillis(10), Duration.ofSeconds(1));
    }

    /** Restart with the given limits and backoff. */
    static SupervisorStrategy restart(int maxRestarts, Duration window, Duration minBackoff, Duration maxBackoff) {
        return new Restart(maxRestarts, window, minBackoff, maxBackoff);
    }

    /** Keep going with the next message. */
    static SupervisorStrategy resume() {
        return new Resume();
    }

    /** Stop the actor. */
    static SupervisorStrategy stop() {
        return new Stop();
    }

    /** Fail the parent. */
    static SupervisorStrategy escalate() {
        return new Escalate();
    }
}
