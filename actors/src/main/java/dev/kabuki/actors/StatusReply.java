package dev.kabuki.actors;

import java.util.Objects;

/**
 * A reply that is either a value or a business error, so that an actor can turn a request down
 * ("insufficient funds") without throwing: no ERROR log, no dead letter, no restart, and its
 * state stays. The asker uses {@link ActorRef#askWithStatus} (or
 * {@link ActorContext#askWithStatus} from inside an actor), whose handle completes with the
 * value of a {@link Success} and fails with a {@link StatusReplyException} for an
 * {@link Error} (Pekko's {@code StatusReply} and {@code askWithStatus}).
 *
 * <pre>{@code
 * record Withdraw(long amount, ActorRef<StatusReply<Long>> replyTo) implements AccountMsg {}
 *
 * case Withdraw w -> {
 *     if (w.amount() > balance) {
 *         w.replyTo().tell(StatusReply.error("insufficient funds: balance " + balance));
 *     } else {
 *         balance -= w.amount();
 *         w.replyTo().tell(StatusReply.success(balance));
 *     }
 * }
 *
 * JoinHandle<Long> left = account.askWithStatus(r -> new Withdraw(50, r), Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param <T> the value type
 */
public sealed interface StatusReply<T> {

    /** A successful reply carrying {@code value} (may be null). */
    record Success<T>(T value) implements StatusReply<T> {
    }

    /** An error reply; {@code cause} is what the asker's handle fails with. */
    record Error<T>(StatusReplyException cause) implements StatusReply<T> {
        /** Validates. */
        public Error {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** A successful reply. */
    static <T> StatusReply<T> success(T value) {
        return new Success<>(value);
    }

    /**
     * An error reply with a message for the asker, e.g. {@code "insufficient funds"}. The
     * exception it carries has no stack trace: it is an answer, not a bug.
     */
    static <T> StatusReply<T> error(String message) {
        return new Error<>(new StatusReplyException(Objects.requireNonNull(message, "message")));
    }

    /** An error reply whose message is {@code cause}'s, with {@code cause} as the cause. */
    static <T> StatusReply<T> error(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        return new Error<>(cause instanceof StatusReplyException e ? e : new StatusReplyException(cause));
    }

    /** Whether this is a {@link Success}. */
    default boolean isSuccess() {
        return this instanceof Success<T>;
    }

    /**
     * The value of a {@link Success}.
     *
     * @throws StatusReplyException this is an {@link Error}
     */
    default T getOrThrow() {
        return switch (this) {
            case Success<T> s -> s.value();
            case Error<T> e -> throw e.cause();
        };
    }
}
