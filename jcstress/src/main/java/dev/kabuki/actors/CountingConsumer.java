package dev.kabuki.actors;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link MailboxConsumer} for the jcstress tests of {@link Mailbox}: counts the messages and
 * signals it handles and the messages it is given to dead-letter; terminates on
 * {@link SystemMessage.Stop} (so the mailbox closes and drains), ignores nothing else.
 *
 * <p>{@code handled}, {@code signals} and {@code terminated} are written by the token holder
 * only and read by the test's arbiter (after the actors, ordered by jcstress); dead letters may
 * come from any thread (a sender that raced the close drains what it appended).
 */
final class CountingConsumer implements MailboxConsumer<Object> {
    /** Ordinary messages handled. */
    int handled;
    /** Signals handled, other than Stop. */
    int signals;
    boolean terminated;
    /** Set by {@link MailboxFixtures}: terminating closes and drains it, as ActorCell does. */
    Mailbox<Object> mailbox;
    private final AtomicInteger deadLetters = new AtomicInteger();

    @Override
    public void startIfNew() {
    }

    @Override
    public void invoke(Object message) {
        handled++;
    }

    @Override
    public void invokeSystem(SystemMessage signal) {
        if (signal instanceof SystemMessage.Stop) {
            terminated = true;
            if (mailbox != null) {
                mailbox.closeAndDrainQueued(); // as ActorCell.terminate: before the stop is announced
            }
        } else {
            signals++;
        }
    }

    @Override
    public boolean acceptsMessages() {
        return !terminated;
    }

    @Override
    public boolean isTerminated() {
        return terminated;
    }

    @Override
    public void beforeIdle() {
    }

    /** Nothing in these tests throws: if something does, fail the test loudly (an error). */
    @Override
    public void activationEscaped(Throwable escaped) {
        throw new AssertionError("escaped the activation", escaped);
    }

    /** The test dispatcher refuses nothing. */
    @Override
    public void activationRefused(Throwable cause) {
        throw new AssertionError("no activation is refused in these tests", cause);
    }

    /** The test dispatcher refuses nothing. */
    @Override
    public void abandonedAtShutdown(Throwable reason) {
        throw new AssertionError("no activation is abandoned in these tests", reason);
    }

    @Override
    public void deadLetter(Object message, String reason) {
        deadLetters.incrementAndGet();
    }

    /** Messages dead-lettered so far. Any thread. */
    int deadLetters() {
        return deadLetters.get();
    }
}
