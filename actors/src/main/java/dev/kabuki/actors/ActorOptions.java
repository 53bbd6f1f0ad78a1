package dev.kabuki.actors;

import dev.kabuki.mailbox.OverflowPolicy;
import java.util.Objects;

/**
 * How to spawn an actor: its mailbox, its dispatcher, its throughput and its supervision.
 * Immutable; each {@code with...} method returns a copy.
 *
 * <pre>{@code
 * system.spawnActor("db", Repository::new, ActorOptions.defaults()
 *         .runOnBlockingDispatcher()
 *         .boundedMailbox(10_000, OverflowPolicy.FAIL)
 *         .supervision(SupervisorStrategy.restart()));
 * }</pre>
 *
 * @param mailboxCapacity most queued messages, or 0 for an unbounded mailbox (the default)
 * @param overflowPolicy  what a send to a full bounded mailbox does: {@code FAIL} (tell throws
 *                        {@link MailboxFullException}, tryTell returns false) or {@code DROP}
 *                        (the message goes to dead letters); ignored when unbounded
 * @param blocking        run activations on the blocking dispatcher (also: {@link Blocking},
 *                        {@link #runOnBlockingDispatcher()})
 * @param throughput      messages per activation, or 0 for the system's default
 * @param supervision     what happens when {@code receive} throws
 */
public record ActorOptions(int mailboxCapacity, OverflowPolicy overflowPolicy, boolean blocking,
                           int throughput, SupervisorStrategy supervision) {

    private static final ActorOptions DEFAULTS =
            new ActorOptions(0, OverflowPolicy.FAIL, false, 0, SupervisorStrategy.restart());

    /** Validates. @throws IllegalArgumentException a value is out of range */
    public ActorOptions {
        if (mailboxCapacity < 0) {
            throw new IllegalArgumentException("mailboxCapacity must be 0 (unbounded) or positive, got " + mailboxCapacity);
        }
        if (throughput < 0 || throughput > 100_000) {
            throw new IllegalArgumentException("throughput must be between 1 and 100000 (or 0 for the default), got " + throughput);
        }
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
        Objects.requireNonNull(supervision, "supervision");
    }

    /**
     * Unbounded mailbox, core dispatcher, the system's throughput, and
     * {@link SupervisorStrategy#restart()} supervision.
     */
    public static ActorOptions defaults() {
        return DEFAULTS;
    }

    /** A bounded mailbox of {@code capacity} messages with an overflow policy. */
    public ActorOptions boundedMailbox(int capacity, OverflowPolicy policy) {
        if (capacity < 1) {
            throw new IllegalArgumentException("bounded mailbox capacity must be positive, got " + capacity);
        }
        return new ActorOptions(capacity, policy, blocking, throughput, supervision);
    }

    /** Run on the blocking dispatcher (as if the actor class were tagged {@link Blocking}). */
    public ActorOptions runOnBlockingDispatcher() {
        return new ActorOptions(mailboxCapacity, overflowPolicy, true, throughput, supervision);
    }

    /** Messages per activation for this actor. */
    public ActorOptions throughput(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("throughput must be positive, got " + messages);
        }
        return new ActorOptions(mailboxCapacity, overflowPolicy, blocking, messages, supervision);
    }

    /** The supervision strategy. */
    public ActorOptions supervision(SupervisorStrategy strategy) {
        return new ActorOptions(mailboxCapacity, overflowPolicy, blocking, throughput, strategy);
    }
}
