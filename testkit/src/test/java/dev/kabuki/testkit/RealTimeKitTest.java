package dev.kabuki.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.Blocking;
import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real-time kit: the probe waits on real threads' messages with plain timed waits. */
class RealTimeKitTest {
    record Add(int n, ActorRef<Integer> replyTo) {}

    private final ActorTestKit kit = ActorTestKit.createRealTime();

    @AfterEach
    void tearDown() {
        ActorTestKitExtension.closeAndCheck(kit, Duration.ofSeconds(5));
    }

    @Test
    void manySendersOnWorkerThreadsReachTheProbe() {
        TestProbe<Integer> probe = kit.createProbe();
        ActorRef<Add> adder = kit.spawn("adder", () -> new Actor<Add>() {
            private int total;

            @Override
            public void receive(ActorContext<Add> ctx, Add add) {
                total += add.n();
                add.replyTo().tell(total);
            }
        });
        for (int i = 0; i < 4; i++) {
            kit.system().spawn(() -> {
                for (int k = 0; k < 250; k++) {
                    adder.tell(new Add(1, probe.ref()));
                }
            });
        }
        assertThat(probe.receiveMessages(1000, Duration.ofSeconds(10))).endsWith(1000);
        probe.expectNoMessage(Duration.ofMillis(50));
    }

    @Test
    void expectNoMessageWaitsInRealTimeAndSeesALateMessage() throws InterruptedException {
        TestProbe<String> probe = kit.createProbe();
        CountDownLatch go = new CountDownLatch(1);
        @Blocking
        final class Late implements Actor<String> {
            @Override
            public void receive(ActorContext<String> ctx, String msg) throws InterruptedException {
                go.await(10, TimeUnit.SECONDS);
                probe.tell(msg);
            }
        }
        kit.spawn("late", Late::new).tell("late one");
        kit.system().schedule(Duration.ofMillis(50), go::countDown);
        assertThatThrownBy(() -> probe.expectNoMessage(Duration.ofSeconds(10)))
                .hasMessage("expected no message for 10 s, got late one");
    }

    @Test
    void expectTerminatedOnARealTimeKit() {
        TestProbe<String> probe = kit.createProbe();
        ActorRef<String> quitter = kit.spawn("quitter", () -> (ctx, m) -> ctx.stopSelf());
        quitter.tell("bye");
        probe.expectTerminated(quitter);
    }
}
