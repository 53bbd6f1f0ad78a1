package dev.kabuki.actors;

import dev.kabuki.mailbox.internal.MessageQueue;

/** Starting states shared by the jcstress tests of {@link Mailbox}. */
final class MailboxFixtures {
    /** Messages per batch: more than any test sends, so no batch ends early. */
    static final int THROUGHPUT = 10;

    private MailboxFixtures() {
    }

    /**
     * A mailbox whose token is taken, as a winning sender's {@code trySchedule} takes it before
     * handing the mailbox to its dispatcher: the test's actor then runs the activation
     * ({@link Mailbox#run()}), as the dispatcher would.
     */
    static Mailbox<Object> tokenHeld(CountingConsumer consumer, MessageQueue<Object> queue,
            RecordingDispatcher dispatcher) {
        Mailbox<Object> mailbox = new Mailbox<>(consumer, queue, THROUGHPUT, dispatcher);
        consumer.mailbox = mailbox;
        if (!mailbox.trySchedule()) {
            throw new IllegalStateException("a fresh mailbox must be IDLE");
        }
        return mailbox;
    }
}
