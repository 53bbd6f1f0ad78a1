package dev.kabuki.actors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What happens when an actor's {@code receive} (or {@code onStart}) throws. Chosen by whoever
 * spawns the actor (its parent), in {@link ActorOptions#supervision}. Every failure is logged
 * at ERROR with the actor's path; the message that caused it goes to dead letters. (To answer a
 * request with a business error instead, reply with a {@link StatusReply}: nothing is logged and
 * nothing restarts.)
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
 *   <li>{@link ByException}: a different strategy per exception type, the first matching case
 *       winning, a default for the rest:
 *       <pre>{@code
 * import static dev.kabuki.actors.SupervisorStrategy.*;
 *
 * ActorOptions.defaults().supervision(
 *         onFailure(IllegalStateException.class, restart())
 *                 .onFailure(IOException.class, resume())
 *                 .otherwise(stop()));
 * }</pre></li>
 * </ul>
 * A parent learns of a child's restart by overriding {@link Actor#onChildRestarted}.
 *
 * <p>Immutable values; safe to share.
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

    /**
     * Starts a strategy by exception type: failures that are instances of {@code type} get
     * {@code strategy}; add cases with {@link ByException#onFailure}, and the strategy for every
     * other failure with {@link ByException#otherwise} (default {@link #restart()}).
     */
    static ByException onFailure(Class<? extends Throwable> type, SupervisorStrategy strategy) {
        return new ByException(List.of(new ByException.Case(type, strategy)), restart());
    }

    /**
     * The strategy that applies to {@code failure}: this one, or for {@link ByException} the
     * first matching case's (resolved again if that is itself a {@code ByException}).
     */
    default SupervisorStrategy decide(Throwable failure) {
        return this;
    }

    /**
     * One strategy per exception type: the first case whose type the failure is an instance of
     * wins; {@code otherwise} applies when none matches.
     *
     * @param cases     the cases, in the order they are tried
     * @param otherwise the strategy for failures no case matches
     */
    record ByException(List<Case> cases, SupervisorStrategy otherwise) implements SupervisorStrategy {
        /** One case: failures that are instances of {@code type} get {@code strategy}. */
        public record Case(Class<? extends Throwable> type, SupervisorStrategy strategy) {
            /** Validates. */
            public Case {
                Objects.requireNonNull(type, "type");
                Objects.requireNonNull(strategy, "strategy");
            }
        }

        /** Validates and copies. */
        public ByException {
            cases = List.copyOf(cases);
            Objects.requireNonNull(otherwise, "otherwise");
        }

        /** This strategy plus one more case, tried after the existing ones. */
        public ByException onFailure(Class<? extends Throwable> type, SupervisorStrategy strategy) {
            List<Case> more = new ArrayList<>(cases);
            more.add(new Case(type, strategy));
            return new ByException(more, otherwise);
        }

        /** This strategy with {@code strategy} for the failures no case matches. */
        public ByException otherwise(SupervisorStrategy strategy) {
            return new ByException(cases, strategy);
        }

        @Override
        public SupervisorStrategy decide(Throwable failure) {
            for (Case c : cases) {
                if (c.type().isInstance(failure)) {
                    return c.strategy().decide(failure);
                }
            }
            return otherwise.decide(failure);
        }
    }
}
