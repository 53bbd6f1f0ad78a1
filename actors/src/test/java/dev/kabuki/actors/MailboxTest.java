package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.mailbox.internal.MailboxStatus;
import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import dev.kabuki.mailbox.internal.MessageQueue;
import dev.kabuki.scheduler.internal.ActivationDispatcher;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@link Mailbox} on its own, deterministically: a recording consumer and dispatchers that
 * queue activations for the test to run one at a time on its own thread.
 */
class MailboxTest {

    /** Queues what it is given; the test runs the activations. */
    static final class ManualDispatcher implements ActivationDispatcher {
        final ArrayDeque<Task> queued = new ArrayDeque<>();
        final List<Task> timed = new ArrayList<>();
        int yielded;
        boolean otherWork;
        ActivationDispatcher fallback;
        /** If set, every execute abandons its task with this. */
        Throwable refuseWith;

        @Override
        public void execute(Task activation) {
            if (refuseWith != null) {
                activation.abandon(refuseWith);
            } else {
                queued.add(activation);
            }
        }

        @Override
        public void executeYielded(Task activation) {
            yielded++;
            execute(activation);
        }

        @Override
        public boolean hasQueuedWork() {
            return otherWork;
        }

        @Override
        public ActivationDispatcher fallback() {
            return fallback;
        }

        @Override
        public Timer timer() {
            return (delay, action) -> {
                timed.add(action);
                return () -> timed.remove(action);
            };
        }

        /** Runs queued activations until none is left (at most {@code max}); returns how many ran. */
        int runAll(int max) {
            int n = 0;
            Task t;
            while (n < max && (t = queued.poll()) != null) {
                t.run();
                n++;
            }
            return n;
        }
    }

    /** Records what the mailbox makes it do; stops at once when asked to. */
    static class RecordingConsumer implements MailboxConsumer<String> {
        final List<String> log = new ArrayList<>();
        final List<Object> deadLetters = new ArrayList<>();
        boolean stopping;
        boolean terminated;
        RuntimeException throwOnInvoke;

        @Override
        public void startIfNew() {
            if (!log.contains("start")) {
                log.add("start");
            }
        }

        @Override
        public void invoke(String message) {
            if (throwOnInvoke != null) {
                RuntimeException e = throwOnInvoke;
                throwOnInvoke = null;
                throw e;
            }
            log.add(message);
        }

        @Override
        public void invokeSystem(SystemMessage signal) {
            if (signal instanceof SystemMessage.Stop) {
                log.add("stop");
                terminated = true;
            }
        }

        @Override
        public boolean acceptsMessages() {
            return !stopping;
        }

        @Override
        public boolean isTerminated() {
            return terminated;
        }

        @Override
        public void beforeIdle() {
        }

        @Override
        public void activationEscaped(Throwable escaped) {
            log.add("escaped " + escaped.getMessage());
            log.add("stop");
            terminated = true;
        }

        @Override
        public void activationRefused(Throwable cause) {
            log.add("refused " + cause.getMessage());
            log.add("stop");
            terminated = true;
        }

        @Override
        public void abandonedAtShutdown(Throwable reason) {
            log.add("abandoned " + reason.getMessage());
            terminated = true;
        }

        @Override
        public void deadLetter(Object message, String reason) {
            deadLetters.add(message);
        }
    }

    private static Mailbox<String> mailbox(RecordingConsumer c, MessageQueue<String> q, ActivationDispatcher d) {
        return new Mailbox<>(c, q, 10, d);
    }

    // Fails if a throwable escaping the activation (the library's own code, not receive) leaves
    // the token held: the actor must be stopped through the stop path, the rest of its messages
    // dead-lettered and the mailbox closed, never wedged.
    @Test
    void aThrowableEscapingTheActivationStopsTheActorAndReleasesTheMailbox() {
        ManualDispatcher d = new ManualDispatcher();
        RecordingConsumer c = new RecordingConsumer();
        Mailbox<String> mb = mailbox(c, new ManyToOneMessageQueue<>(), d);
        mb.start();
        d.runAll(10);
        c.throwOnInvoke = new IllegalStateException("library bug");
        for (int i = 0; i < 10; i++) {
            mb.offer("m" + i);
        }
        d.runAll(10);
        assertThat(c.log).containsExactly("start", "escaped library bug", "stop");
        assertThat(c.deadLetters).hasSize(9); // m0 was being handled when it escaped
        assertThat(mb.state()).isEqualTo(MailboxStatus.State.CLOSED);
        assertThat(mb.offer("late")).isEqualTo(Mailbox.Offer.CLOSED);
    }

    // Fails if a refused activation is dropped (no stop path, token held): the first refusal
    // moves the activation to the fallback dispatcher, which runs the stop path with the cause.
    @Test
    void aRefusedActivationRunsTheStopPathOnTheFallbackDispatcher() {
        ManualDispatcher core = new ManualDispatcher();
        ManualDispatcher blocking = new ManualDispatcher();
        blocking.fallback = core;
        blocking.refuseWith = new OutOfMemoryError("unable to create native thread");
        RecordingConsumer c = new RecordingConsumer();
        Mailbox<String> mb = mailbox(c, new ManyToOneMessageQueue<>(), blocking);
        mb.start();
        assertThat(core.queued).hasSize(1);
        mb.offer("m");
        core.runAll(10);
        assertThat(c.log).containsExactly("refused unable to create native thread", "stop");
        assertThat(c.deadLetters).containsExactly("m");
        assertThat(mb.state()).isEqualTo(MailboxStatus.State.CLOSED);
        assertThat(mb.runsOn(core)).isTrue();
    }

    // Only a refusal with nowhere else to go (the runtime shut down) abandons the actor.
    @Test
    void aRefusalWithNoFallbackAbandonsTheActor() {
        ManualDispatcher core = new ManualDispatcher();
        core.refuseWith = new java.util.concurrent.RejectedExecutionException("shut down");
        RecordingConsumer c = new RecordingConsumer();
        Mailbox<String> mb = mailbox(c, new ManyToOneMessageQueue<>(), core);
        mb.start();
        assertThat(c.log).containsExactly("abandoned shut down");
        assertThat(mb.state()).isEqualTo(MailboxStatus.State.CLOSED);
    }

    /** A queue whose producer is stuck half-way through an append until released. */
    static final class StalledQueue implements MessageQueue<String> {
        final ManyToOneMessageQueue<String> inner = new ManyToOneMessageQueue<>();
        String stalled;
        int polls;

        @Override
        public boolean tryOffer(String message) {
            return inner.tryOffer(message);
        }

        @Override
        public String poll() {
            polls++;
            return stalled != null ? null : inner.poll();
        }

        @Override
        public boolean isEmpty() {
            return stalled == null && inner.isEmpty();
        }

        @Override
        public int size() {
            return inner.size() + (stalled != null ? 1 : 0);
        }

        void release() {
            inner.tryOffer(stalled);
            stalled = null;
        }
    }

    // Fails if an activation that finds a producer mid-append (poll null, queue not empty)
    // keeps its thread without bound: it must back off (bounded spins and yields, re-submit
    // behind other work, then wait a timer tick), and pick the message up once it is linked.
    @Test
    void aProducerStuckMidAppendNeverMakesTheActivationSpin() {
        ManualDispatcher d = new ManualDispatcher();
        RecordingConsumer c = new RecordingConsumer();
        StalledQueue q = new StalledQueue();
        Mailbox<String> mb = mailbox(c, q, d);
        mb.start();
        d.runAll(10);
        q.polls = 0;
        q.stalled = "late";
        assertThat(mb.trySchedule()).isTrue(); // as the stuck producer's CAS would
        d.queued.add(mb);
        int activations = d.runAll(1000);
        assertThat(activations).as("re-submissions before it waits for the timer")
                .isEqualTo(Mailbox.APPEND_WAITS_BEFORE_TIMER);
        assertThat(d.queued).isEmpty();
        assertThat(d.timed).hasSize(1);
        assertThat(q.polls).as("polls bounded per activation")
                .isLessThanOrEqualTo(activations * (1 + Mailbox.APPEND_LOOKS));
        assertThat(mb.isScheduled()).as("the token stays with the waiting activation").isTrue();
        q.release();
        d.timed.remove(0).run();
        d.runAll(10);
        assertThat(c.log).containsExactly("start", "late");
        assertThat(mb.state()).isEqualTo(MailboxStatus.State.IDLE);
    }

    // A batch that uses up its throughput yields to other waiting work, keeping the token, and
    // goes on with the next batch when nothing waits.
    @Test
    void aFullBatchYieldsOnlyWhenOtherWorkWaits() {
        ManualDispatcher d = new ManualDispatcher();
        RecordingConsumer c = new RecordingConsumer();
        Mailbox<String> mb = mailbox(c, new ManyToOneMessageQueue<>(), d);
        for (int i = 0; i < 25; i++) {
            mb.offer("m" + i);
        }
        d.runAll(1);
        assertThat(c.log).hasSize(26); // start + 25: nothing else waited, no yield
        assertThat(d.yielded).isZero();
        d.otherWork = true;
        for (int i = 0; i < 25; i++) {
            mb.offer("n" + i);
        }
        d.runAll(1);
        assertThat(c.log).hasSize(36); // one batch of 10, then it yielded
        assertThat(d.yielded).isEqualTo(1);
        d.runAll(10);
        assertThat(c.log).hasSize(51);
        assertThat(mb.state()).isEqualTo(MailboxStatus.State.IDLE);
    }

    // Unstashed messages come before anything still in the queue.
    @Test
    void prependedMessagesComeBeforeTheQueue() {
        ManualDispatcher d = new ManualDispatcher();
        RecordingConsumer c = new RecordingConsumer();
        Mailbox<String> mb = mailbox(c, new ManyToOneMessageQueue<>(), d);
        mb.offer("queued");
        ArrayDeque<String> stashed = new ArrayDeque<>(List.of("s1", "s2"));
        mb.prepend(stashed);
        d.runAll(10);
        assertThat(c.log).containsExactly("start", "s1", "s2", "queued");
    }
}
