package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.TaskFailedException;
import java.util.concurrent.CompletionException;
import java.util.function.BiFunction;

/**
 * A message the runtime puts on an actor's ordinary lane, in order with everything else it
 * receives: an ask's request with its ask, the outcome of a {@code pipeToSelf}, a keyed timer's
 * firing, or the termination of an actor it watches. {@link ActorCell#invoke} unwraps it on the actor's thread, so whatever it carries
 * (a mapper, a timer check) runs one message at a time like {@code receive}.
 *
 * <p>An abstract class rather than an interface: the one check on every message's path
 * ({@code message instanceof InternalMessage}) is then a compare against a fixed slot of the
 * message's class, never a scan of its interfaces.
 */
abstract sealed class InternalMessage permits InternalMessage.Asked, InternalMessage.Piped,
        InternalMessage.TimerFired, InternalMessage.WatchedTerminated {

    /**
     * An ask's request, with the ask, so that the ask is wherever its request is (see
     * {@link PendingAsks}): the target unwraps the request for {@code receive}, fails the ask if
     * that throws, and keeps it if it is left unanswered; a stopped target's drain fails it. A
     * wrapper rather than the ask itself on the lane: an ask's reply address may also be sent
     * as an ordinary message, and must then arrive as one.
     */
    static final class Asked extends InternalMessage {
        final AskReplyRef<?> ask;

        Asked(AskReplyRef<?> ask) {
            this.ask = ask;
        }

        @Override
        public String toString() {
            return "ask request " + ask.message;
        }
    }

    /**
     * The outcome of a handle or stage piped to the actor: the mapper turns it into one of the
     * actor's messages, on the actor's thread.
     */
    static final class Piped<T, M> extends InternalMessage {
        private final T value;
        private final Throwable failure;
        private final BiFunction<? super T, ? super Throwable, ? extends M> mapper;

        Piped(T value, Throwable failure, BiFunction<? super T, ? super Throwable, ? extends M> mapper) {
            this.value = value;
            this.failure = failure;
            this.mapper = mapper;
        }

        /** A handle's outcome: the task's own exception for a failure, else the JoinException. */
        static <T, M> Piped<T, M> ofHandle(T value, JoinException failure,
                                           BiFunction<? super T, ? super Throwable, ? extends M> mapper) {
            Throwable f = failure instanceof TaskFailedException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return new Piped<>(value, f, mapper);
        }

        /** A stage's outcome, unwrapped from the CompletionException a dependent stage adds. */
        static <T, M> Piped<T, M> ofStage(T value, Throwable failure,
                                          BiFunction<? super T, ? super Throwable, ? extends M> mapper) {
            Throwable f = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return new Piped<>(value, f, mapper);
        }

        /** Applies the mapper; the actor's thread. */
        M map() {
            return mapper.apply(value, failure);
        }

        @Override
        public String toString() {
            return failure == null ? "pipeToSelf result (value " + value + ")"
                    : "pipeToSelf result (failure " + failure + ")";
        }
    }

    /**
     * A keyed timer fired: delivered only if the timer under {@code key} is still the one of
     * this {@code generation} (not cancelled or replaced since it was armed).
     */
    static final class TimerFired extends InternalMessage {
        final Object key;
        final long generation;
        final Object message;

        TimerFired(Object key, long generation, Object message) {
            this.key = key;
            this.generation = generation;
            this.message = message;
        }

        @Override
        public String toString() {
            return message + " (timer " + key + ")";
        }
    }

    /**
     * An actor this one watches has stopped: on the ordinary lane, so that it comes after every
     * message that actor sent here before it stopped (see {@code ActorCell.notifyTerminated}).
     */
    static final class WatchedTerminated extends InternalMessage {
        final SystemMessage.Terminated notice;

        WatchedTerminated(SystemMessage.Terminated notice) {
            this.notice = notice;
        }

        @Override
        public String toString() {
            return "termination of " + notice.watchedAs();
        }
    }
}
