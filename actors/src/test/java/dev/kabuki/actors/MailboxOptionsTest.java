package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.mailbox.OverflowPolicy;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MailboxOptionsTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("mailboxes").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    /** Blocks on the first message until released, so later messages pile up in the mailbox. */
    static final class Gate implements Actor<Object> {
        final CountDownLatch entered;
        final CountDownLatch release;
        final AtomicInteger processed;

        Gate(CountDownLatch entered, CountDownLatch release, AtomicInteger processed) {
            this.entered = entered;
            this.release = release;
            this.processed = processed;
        }

        @Override
        public void receive(ActorContext<Object> ctx, Object msg) throws Exception {
            if ("block".equals(msg)) {
                entered.countDown();
                release.await(); // test-only: holds a worker on purpose
            }
            if (msg instanceof ActorRef<?> replyTo) {
                @SuppressWarnings("unchecked")
                ActorRef<Object> r = (ActorRef<Object>) replyTo;
                r.tell("pong");
            }
            processed.incrementAndGet();
        }
    }

    /** A Gate spawned with a bounded mailbox, held inside its first message. */
    private record Blocked(ActorRef<Object> ref, CountDownLatch release, AtomicInteger processed) {}

    /** Spawns a Gate with a bounded mailbox and waits until it is blocked in its first message. */
    private Blocked spawnBlockedGate(String name, int capacity, OverflowPolicy policy) throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger processed = new AtomicInteger();
        ActorRef<Object> gate = system.spawnActor(name, () -> new Gate(entered, release, processed),
                ActorOptions.defaults().boundedMailbox(capacity, policy));
        gate.tell("block");
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        return new Blocked(gate, release, processed);
    }

    @Test
    void aFullFailMailboxMakesTellThrowTryTellReturnFalseAndAskFail() throws Exception {
        Blocked blocked = spawnBlockedGate("fail-box", 3, OverflowPolicy.FAIL);
        ActorRef<Object> gate = blocked.ref();
        assertThat(gate.mailboxDepth()).isZero();
        for (int i = 0; i < 3; i++) {
            gate.tell(i);
        }
        assertThat(gate.mailboxDepth()).isEqualTo(3);
        long deadBefore = system.deadLetters().count();
        assertThatThrownBy(() -> gate.tell("overflow")).isInstanceOf(MailboxFullException.class)
                .hasMessageContaining("/user/fail-box").hasMessageContaining("capacity 3");
        assertThat(gate.tryTell("overflow")).isFalse();
        JoinHandle<Object> ask = gate.ask(r -> r, LONG);
        assertThatThrownBy(() -> ask.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(MailboxFullException.class)
                .hasMessageContaining("ask to /user/fail-box with AskReplyRef (timeout 30000 ms)")
                .hasMessageContaining("capacity 3");
        assertThat(system.deadLetters().count()).isEqualTo(deadBefore); // the sender kept them
        blocked.release().countDown();
        ActorSystemTest.await("drained", () -> blocked.processed().get() == 4);
        assertThat(gate.mailboxDepth()).isZero();
        assertThat(gate.tryTell("fits again")).isTrue();
    }

    @Test
    void aFullDropMailboxSendsTheOverflowToDeadLetters() throws Exception {
        Blocked blocked = spawnBlockedGate("drop-box", 2, OverflowPolicy.DROP);
        ActorRef<Object> gate = blocked.ref();
        long deadBefore = system.deadLetters().count();
        for (int i = 0; i < 10; i++) {
            gate.tell(i); // never throws
        }
        assertThat(system.deadLetters().count() - deadBefore).isEqualTo(8);
        // An ask into the full mailbox fails at once (not after its 5 minutes); the request
        // itself is dropped to dead letters like any other overflow.
        JoinHandle<Object> ask = gate.ask(r -> r, Duration.ofMinutes(5));
        assertThatThrownBy(() -> ask.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(MailboxFullException.class)
                .hasMessageContaining("ask to /user/drop-box").hasMessageContaining("capacity 2");
        assertThat(system.deadLetters().count() - deadBefore).isEqualTo(9);
        blocked.release().countDown();
        ActorSystemTest.await("drained", () -> blocked.processed().get() == 3);
    }

    @Test
    void boundedCapacityIsExactUnderConcurrentSenders() throws Exception {
        Blocked blocked = spawnBlockedGate("exact-box", 100, OverflowPolicy.FAIL);
        ActorRef<Object> gate = blocked.ref();
        AtomicInteger accepted = new AtomicInteger();
        Thread[] senders = new Thread[4];
        for (int s = 0; s < senders.length; s++) {
            senders[s] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    if (gate.tryTell(i)) {
                        accepted.incrementAndGet();
                    }
                }
            });
            senders[s].start();
        }
        for (Thread t : senders) {
            t.join(30_000);
        }
        assertThat(accepted.get()).isEqualTo(100);
        blocked.release().countDown();
        ActorSystemTest.await("drained", () -> blocked.processed().get() == 101);
    }

    @Test
    void badOptionsFailFast() {
        assertThatThrownBy(() -> ActorOptions.defaults().boundedMailbox(0, OverflowPolicy.FAIL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> ActorOptions.defaults().throughput(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("throughput");
        assertThatThrownBy(() -> ActorSystem.builder().throughput(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("throughput");
    }
}
