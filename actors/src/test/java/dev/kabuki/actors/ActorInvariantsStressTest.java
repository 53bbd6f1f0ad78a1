package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The four invariants of DESIGN.md under contention, with exact counts: never concurrent,
 * per-sender FIFO, no loss on the idle race, dead letters after stop.
 */
class ActorInvariantsStressTest {

    record Msg(int sender, long seq) {}

    /** Checks order per sender and that it never runs on two threads at once. */
    static final class Checker implements Actor<Object> {
        final long[] next;
        final AtomicInteger inReceive;
        final AtomicInteger overlaps;
        final AtomicLong orderViolations;
        final AtomicLong received;
        final CountDownLatch done;

        Checker(int senders, AtomicInteger inReceive, AtomicInteger overlaps, AtomicLong orderViolations,
                AtomicLong received, CountDownLatch done) {
            this.next = new long[senders];
            this.inReceive = inReceive;
            this.overlaps = overlaps;
            this.orderViolations = orderViolations;
            this.received = received;
            this.done = done;
        }

        @Override
        public void receive(ActorContext<Object> ctx, Object message) {
            if (inReceive.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            if (message instanceof Msg m) {
                if (m.seq() != next[m.sender()]) {
                    orderViolations.incrementAndGet();
                }
                next[m.sender()] = m.seq() + 1;
                received.incrementAndGet();
                done.countDown();
            }
            inReceive.decrementAndGet();
        }
    }

    /**
     * Fails if a message is lost when a send races with the actor going idle (the latch would
     * time out and the count differ), if one sender's messages are reordered, or if the actor
     * ever runs on two threads at once. Senders pause now and then so the actor goes idle
     * often, which is when the race happens.
     */
    @Test
    void eightSendersExactCountPerSenderOrderNeverConcurrent() throws Exception {
        int senders = 8;
        int perSender = 1_000_000; // the figure: 8 x 1,000,000
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("invariants").workerThreads(2).build()) {
            AtomicInteger inReceive = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicLong violations = new AtomicLong();
            AtomicLong received = new AtomicLong();
            CountDownLatch done = new CountDownLatch(senders * perSender);
            ActorRef<Object> target = system.spawnActor("target",
                    () -> new Checker(senders, inReceive, overlaps, violations, received, done));
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                Thread t = new Thread(() -> {
                    for (long i = 0; i < perSender; i++) {
                        target.tell(new Msg(sender, i));
                        if ((i & 1023) == 0) {
                            Thread.yield(); // let the actor drain and go idle: the racy moment
                        }
                    }
                }, "sender-" + s);
                t.start();
                threads.add(t);
            }
            // Senders from inside the runtime too (actors telling actors take the LIFO path).
            for (Thread t : threads) {
                t.join(120_000);
            }
            assertThat(done.await(120, TimeUnit.SECONDS)).as("every message processed").isTrue();
            assertThat(received.get()).isEqualTo((long) senders * perSender);
            assertThat(violations.get()).as("per-sender order").isZero();
            assertThat(overlaps.get()).as("never concurrent").isZero();
        }
    }

    /**
     * Fails if messages sent from core workers (the LIFO-slot path) are lost or reordered:
     * tasks on the runtime each send a numbered stream to one actor.
     */
    @Test
    void sendsFromInsideTheRuntimeKeepOrderAndCount() throws Exception {
        int senders = 4;
        int perSender = 100_000;
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("inside").workerThreads(2).build()) {
            AtomicInteger inReceive = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicLong violations = new AtomicLong();
            AtomicLong received = new AtomicLong();
            CountDownLatch done = new CountDownLatch(senders * perSender);
            ActorRef<Object> target = system.spawnActor("target",
                    () -> new Checker(senders, inReceive, overlaps, violations, received, done));
            List<JoinHandle<Void>> tasks = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                tasks.add(system.spawn(() -> {
                    for (long i = 0; i < perSender; i++) {
                        target.tell(new Msg(sender, i));
                    }
                }));
            }
            assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
            assertThat(violations.get()).isZero();
            assertThat(overlaps.get()).isZero();
        }
    }

    /**
     * Fails if a message racing with the actor's stop vanishes: every message sent is either
     * processed or counted as a dead letter, exactly.
     */
    @Test
    void everyMessageIsProcessedOrDeadLetteredWhenStopRacesWithSends() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("stop-race").workerThreads(2).build()) {
            for (int round = 0; round < 20; round++) {
                AtomicLong processed = new AtomicLong();
                long deadBefore = system.deadLetters().count();
                ActorRef<Integer> victim = system.spawnActor("victim-" + round,
                        () -> (ctx, msg) -> processed.incrementAndGet());
                int senders = 4;
                int perSender = 20_000;
                CountDownLatch sent = new CountDownLatch(senders);
                for (int s = 0; s < senders; s++) {
                    new Thread(() -> {
                        for (int i = 0; i < perSender; i++) {
                            victim.tell(i);
                        }
                        sent.countDown();
                    }).start();
                }
                system.stop(victim); // somewhere in the middle of the sends
                assertThat(sent.await(60, TimeUnit.SECONDS)).isTrue();
                long total = (long) senders * perSender;
                ActorSystemTest.await("all accounted for",
                        () -> processed.get() + (system.deadLetters().count() - deadBefore) == total);
                assertThat(processed.get() + system.deadLetters().count() - deadBefore)
                        .as("round %d", round).isEqualTo(total);
            }
        }
    }

    /** Fails if actors telling actors lose messages: a ring passes a token around. */
    @Test
    void aRingPassesTheTokenTheExactNumberOfHops() throws Exception {
        int actors = 50;
        int hops = 200_000;
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("ring").workerThreads(2).build()) {
            CountDownLatch done = new CountDownLatch(1);
            @SuppressWarnings("unchecked")
            ActorRef<Integer>[] ring = new ActorRef[actors];
            for (int i = actors - 1; i >= 0; i--) {
                int index = i;
                ring[i] = system.spawnActor("node-" + i, () -> (ctx, remaining) -> {
                    if (remaining == 0) {
                        done.countDown();
                    } else {
                        ring[(index + 1) % actors].tell(remaining - 1);
                    }
                });
            }
            ring[0].tell(hops);
            assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        }
    }
}
