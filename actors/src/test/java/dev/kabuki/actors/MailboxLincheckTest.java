package dev.kabuki.actors;

import dev.kabuki.mailbox.internal.MailboxStatus;
import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import dev.kabuki.scheduler.internal.ActivationDispatcher;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The real {@link Mailbox} under Lincheck's model checker: senders {@link Mailbox#offer offer}
 * to one mailbox from two or three threads, and its dispatcher runs each activation at once on
 * the thread that handed it over, the one that won the token. So every step of the protocol
 * (append, {@code trySchedule}, the batch, {@code setIdle}, the idle re-check and its
 * re-schedule) runs on the scenario's threads, and Lincheck explores the interleavings of their
 * shared-memory accesses: the queue's tail CAS and link, the status CASes, the consumer's
 * counters.
 *
 * <p>Would catch: a message stranded (a sender's CAS lost to an activation that then goes idle
 * without seeing the append, for instance if {@code goIdle} re-checked before releasing the
 * token, or not at all); a message handled twice or never; two threads in an activation at
 * once (the consumer called by a thread that does not hold the token, for instance if
 * {@code offer} checked the state and then scheduled instead of taking the token with one
 * CAS); and the token left taken once every sender has returned. A third scenario races a
 * sender against the actor's stop (a {@link SystemMessage.Stop} sent from another thread):
 * each message must then be handled, dead-lettered by the mailbox, or refused as
 * {@code CLOSED}, exactly once, the stopped actor's mailbox never scheduled again, and the
 * mailbox left CLOSED with the drain token released.
 *
 * <p>An activation, as the consumer sees it, runs from {@link MailboxConsumer#startIfNew} (the
 * first thing every activation calls) to {@link MailboxConsumer#beforeIdle} (the last thing
 * before the release; with {@value #THROUGHPUT} messages per batch it is never called
 * mid-batch here), to a re-submission by its own thread ({@code executeYielded} or the timer:
 * the activation keeps the token and ends there), or to the Stop signal (then only the close
 * and the drains run, which call nothing but {@code deadLetter}). The consumer counts the
 * activations under way and fails if a second one starts, or a message is handled outside one
 * or while the token is free.
 *
 * <p>Out of reach: Lincheck's model is sequentially consistent, so a weakened memory mode
 * (a release store instead of the {@code setIdle} CAS) passes here; the jcstress tests of
 * {@code Mailbox} (module {@code jcstress}, package {@code dev.kabuki.actors}) check those on
 * the JMM.
 *
 * <p>Harness notes (see the scheduler module's {@code LincheckScenario}): threads are
 * {@link Thread} subclasses overriding {@code run()}, since on JDK 25 Lincheck 3.7 does not
 * analyse {@code new Thread(runnable)}; every object of the scenario is built with {@code new}
 * inside it; checks are plain ({@link #check}), since AssertJ objects inside a model-checked
 * scenario trip Lincheck.
 */
class MailboxLincheckTest {
    /** Invocations per scenario; {@code -Dkabuki.lincheck.scale=10} for a longer run. */
    private static final int INVOCATIONS = scaled(3_000);
    /** Messages per batch: more than a scenario sends, so a batch never ends early. */
    private static final int THROUGHPUT = 10;

    /**
     * Runs every activation it is handed at once, on the calling thread: the one that took the
     * token (or the activation itself, re-submitting).
     */
    static final class InlineDispatcher implements ActivationDispatcher {
        private final CheckingConsumer consumer;

        InlineDispatcher(CheckingConsumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public void execute(Task activation) {
            activation.run();
        }

        /** A re-submission: the running activation ends here and hands its token on. */
        @Override
        public void executeYielded(Task activation) {
            consumer.activationHandedOn();
            activation.run();
        }

        @Override
        public boolean hasQueuedWork() {
            return false;
        }

        @Override
        public ActivationDispatcher fallback() {
            return null;
        }

        /** Runs the action at once, as a timer tick that came at once would. */
        @Override
        public Timer timer() {
            return (delay, action) -> {
                consumer.activationHandedOn();
                action.run();
                return () -> false;
            };
        }
    }

    /**
     * Counts what becomes of each message and the activations under way; notes every violation.
     * A stoppable one terminates on {@link SystemMessage.Stop}: its activation ends there, and
     * from then on only dead letters may come (from whichever thread drains).
     */
    static final class CheckingConsumer implements MailboxConsumer<Integer> {
        final boolean stoppable;
        final AtomicIntegerArray handled;
        final AtomicIntegerArray deadLettered;
        /** Offers answered CLOSED: the sender's caller dead-letters those. */
        final AtomicIntegerArray closedOffers;
        final AtomicInteger activations = new AtomicInteger();
        final AtomicInteger violations = new AtomicInteger();
        /** Set once, before any thread starts. */
        Mailbox<Integer> mailbox;
        volatile boolean terminated;
        /** The first violation seen, for the failure message. */
        volatile String firstViolation;

        CheckingConsumer(int messages, boolean stoppable) {
            this.stoppable = stoppable;
            handled = new AtomicIntegerArray(messages);
            deadLettered = new AtomicIntegerArray(messages);
            closedOffers = new AtomicIntegerArray(messages);
        }

        private void violation(String what) {
            if (violations.getAndIncrement() == 0) {
                firstViolation = what;
            }
        }

        @Override
        public void startIfNew() {
            if (terminated) {
                violation("the stopped actor's mailbox was scheduled again");
            }
            if (activations.incrementAndGet() != 1) {
                violation("two activations at once");
            }
            if (!mailbox.isScheduled()) {
                violation("an activation started without the token");
            }
        }

        @Override
        public void invoke(Integer message) {
            if (terminated) {
                violation("message " + message + " handled after the stop");
            }
            if (activations.get() != 1) {
                violation("message " + message
                        + " handled outside an activation, or in one of two");
            }
            if (!mailbox.isScheduled()) {
                violation("message " + message + " handled with the token free");
            }
            handled.incrementAndGet(message);
        }

        /** The activation ends here: the mailbox closes and drains next. */
        @Override
        public void invokeSystem(SystemMessage signal) {
            if (!stoppable || !(signal instanceof SystemMessage.Stop)) {
                violation("unexpected signal " + signal);
                return;
            }
            if (terminated) {
                violation("stopped twice");
            }
            terminated = true;
            mailbox.closeAndDrainQueued(); // as ActorCell.terminate: closed and drained first
            activations.decrementAndGet();
        }

        @Override
        public boolean acceptsMessages() {
            return !terminated;
        }

        @Override
        public boolean isTerminated() {
            return terminated;
        }

        /** The activation is about to release the token: it ends here. */
        @Override
        public void beforeIdle() {
            if (!mailbox.isScheduled()) {
                violation("the token was released before beforeIdle");
            }
            activations.decrementAndGet();
        }

        /** The activation re-submitted itself, keeping the token: it ends here. */
        void activationHandedOn() {
            activations.decrementAndGet();
        }

        @Override
        public void activationEscaped(Throwable escaped) {
            violation("escaped the activation: " + escaped);
        }

        @Override
        public void activationRefused(Throwable cause) {
            violation("refused: " + cause);
        }

        @Override
        public void abandonedAtShutdown(Throwable reason) {
            violation("abandoned: " + reason);
        }

        @Override
        public void deadLetter(Object message, String reason) {
            if (!stoppable) {
                violation("message " + message + " dead-lettered: " + reason);
            }
            deadLettered.incrementAndGet((Integer) message);
        }
    }

    /**
     * Offers its messages, one after another; runs the activation whenever its offer wins.
     * Counts the offers answered CLOSED.
     */
    static final class Sender extends Thread {
        private final CheckingConsumer consumer;
        private final int first;
        private final int count;

        Sender(CheckingConsumer consumer, int first, int count) {
            this.consumer = consumer;
            this.first = first;
            this.count = count;
        }

        @Override
        public void run() {
            for (int i = first; i < first + count; i++) {
                Mailbox.Offer answer = consumer.mailbox.offer(i);
                if (answer == Mailbox.Offer.CLOSED) {
                    consumer.closedOffers.incrementAndGet(i);
                } else if (answer != Mailbox.Offer.DELIVERED) {
                    throw new AssertionError(
                            "message " + i + ": " + answer + " from an unbounded queue");
                }
            }
        }
    }

    /** Sends the Stop signal; runs the activation if that wins the token. */
    static final class Stopper extends Thread {
        private final Mailbox<Integer> mailbox;

        Stopper(Mailbox<Integer> mailbox) {
            this.mailbox = mailbox;
        }

        @Override
        public void run() {
            mailbox.offerSystem(SystemMessage.STOP);
        }
    }

    // Fails if any interleaving of three senders, each activation run by the sender that won
    // the token, strands a message, handles one twice, lets two threads into an activation at
    // once, or leaves the token taken.
    @Test
    void threeSendersEachMessageHandledOnceOneActivationAtATime() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            CheckingConsumer consumer = new CheckingConsumer(3, false);
            Mailbox<Integer> mailbox = new Mailbox<>(consumer, new ManyToOneMessageQueue<>(),
                    THROUGHPUT, new InlineDispatcher(consumer));
            consumer.mailbox = mailbox;
            Thread a = new Sender(consumer, 0, 1);
            Thread b = new Sender(consumer, 1, 1);
            Thread c = new Sender(consumer, 2, 1);
            a.start();
            b.start();
            c.start();
            join(a, b, c);
            checkQuiet(consumer, mailbox);
        });
    }

    // The same with two senders of two messages each: a sender that has just run an activation
    // (and released the token) offers again, racing the other sender's activation.
    @Test
    void twoSendersOfTwoMessagesEachMessageHandledOnceOneActivationAtATime() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            CheckingConsumer consumer = new CheckingConsumer(4, false);
            Mailbox<Integer> mailbox = new Mailbox<>(consumer, new ManyToOneMessageQueue<>(),
                    THROUGHPUT, new InlineDispatcher(consumer));
            consumer.mailbox = mailbox;
            Thread a = new Sender(consumer, 0, 2);
            Thread b = new Sender(consumer, 2, 2);
            a.start();
            b.start();
            join(a, b);
            checkQuiet(consumer, mailbox);
        });
    }

    // Fails if a message that races the actor's stop is lost in the closed mailbox or
    // dead-lettered twice (for instance if drainIfClosed made one pass instead of looping until
    // both lanes stay empty, or the closing activation did not drain again after its release),
    // if the stopped actor's mailbox is scheduled again (for instance if the activation released
    // the token before closing), or if the drain token is left taken.
    @Test
    void aSenderRacingTheStopHasEachMessageHandledOrDeadLetteredOnce() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            CheckingConsumer consumer = new CheckingConsumer(2, true);
            Mailbox<Integer> mailbox = new Mailbox<>(consumer, new ManyToOneMessageQueue<>(),
                    THROUGHPUT, new InlineDispatcher(consumer));
            consumer.mailbox = mailbox;
            Thread a = new Sender(consumer, 0, 2);
            Thread s = new Stopper(mailbox);
            a.start();
            s.start();
            join(a, s);
            check(consumer.violations.get() == 0, consumer.firstViolation);
            for (int i = 0; i < 2; i++) {
                int handled = consumer.handled.get(i);
                int deadLettered = consumer.deadLettered.get(i);
                int closedOffers = consumer.closedOffers.get(i);
                check(handled + deadLettered + closedOffers == 1, "message " + i + " handled "
                        + handled + ", dead-lettered " + deadLettered + ", refused as CLOSED "
                        + closedOffers + " times");
            }
            check(consumer.terminated, "the Stop was not handled");
            check(consumer.activations.get() == 0,
                    consumer.activations.get() + " activations still under way");
            check(mailbox.state() == MailboxStatus.State.CLOSED,
                    "not closed and released: " + mailbox);
            check(mailbox.depth() == 0, "messages left in the closed mailbox: " + mailbox);
        });
    }

    /** Once every sender has returned: every message handled once, nothing under way. */
    private static void checkQuiet(CheckingConsumer consumer, Mailbox<Integer> mailbox) {
        check(consumer.violations.get() == 0, consumer.firstViolation);
        for (int i = 0; i < consumer.handled.length(); i++) {
            check(consumer.closedOffers.get(i) == 0, "message " + i + " refused: mailbox closed");
            check(consumer.handled.get(i) == 1,
                    "message " + i + " handled " + consumer.handled.get(i) + " times");
        }
        check(consumer.activations.get() == 0,
                consumer.activations.get() + " activations still under way");
        check(!mailbox.isScheduled(), "token left taken: " + mailbox);
        check(mailbox.depth() == 0, "messages left in the queue: " + mailbox);
    }

    private static void join(Thread... threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError("the scenario's main thread was interrupted", e);
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static int scaled(int invocations) {
        double scale = Double.parseDouble(System.getProperty("kabuki.lincheck.scale", "1"));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(invocations * scale)));
    }
}
