package dev.kabuki.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.SupervisorStrategy;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every timer of the actor layer follows kit.advance, and no real time passes. */
class ManualTimeTest {
    private final ActorTestKit kit = ActorTestKit.create();

    @AfterEach
    void tearDown() {
        ActorTestKitExtension.closeAndCheck(kit, Duration.ofSeconds(5));
    }

    @Test
    void aOneHourAskTimeoutFiresWhenTheTestAdvancesAnHour() {
        long start = System.nanoTime();
        ActorRef<String> silent = kit.spawn("silent", () -> (ctx, m) -> { });
        TestProbe<String> probe = kit.createProbe();
        // The ask is made inside an actor: its outcome comes back as a message.
        kit.spawn("asker", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.ask(silent, r -> "question", Duration.ofHours(1),
                        (String reply, Throwable failure) -> failure.getClass().getSimpleName());
            }

            @Override
            public void receive(ActorContext<String> ctx, String outcome) {
                probe.tell(outcome);
            }
        });
        kit.advance(Duration.ofMinutes(59).plusSeconds(59));
        probe.expectNoMessage();
        kit.advance(Duration.ofSeconds(1));
        assertThat(probe.expectMessage()).isEqualTo(TaskTimeoutException.class.getSimpleName());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void anAskFromTheTestTimesOutByTheManualClock() {
        ActorRef<String> silent = kit.spawn("silent", () -> (ctx, m) -> { });
        JoinHandle<String> ask = silent.ask(r -> "question", Duration.ofHours(1));
        kit.advance(Duration.ofMinutes(59));
        assertThat(ask.isFinished()).isFalse();
        kit.advance(Duration.ofMinutes(1));
        assertThat(ask.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
    }

    @Test
    void aKeyedTimerAndTheReceiveTimeoutFireAsTheTestAdvances() {
        TestProbe<String> probe = kit.createProbe();
        ActorRef<String> timed = kit.spawn("timed", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.startSingleTimer("k", "tick", Duration.ofSeconds(30));
                ctx.setReceiveTimeout(Duration.ofSeconds(10), "idle");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                probe.tell(msg);
            }
        });
        kit.advance(Duration.ofSeconds(10));                 // t = 10
        probe.expectMessage("idle");
        kit.advance(Duration.ofSeconds(5));                  // t = 15
        timed.tell("ping");
        probe.expectMessage("ping");
        probe.expectNoMessage(Duration.ofSeconds(5));        // t = 20: 5 s of silence only
        kit.advance(Duration.ofSeconds(5));                  // t = 25: 10 s since the ping
        probe.expectMessage("idle");
        kit.advance(Duration.ofSeconds(5));                  // t = 30: the keyed timer
        probe.expectMessage("tick");
    }

    @Test
    void theSupervisionBackoffWaitsForTheClock() {
        TestProbe<String> probe = kit.createProbe();
        ActorRef<String> ref = kit.spawn("backoff", () -> new Actor<String>() {
            @Override
            public void onRestart(ActorContext<String> ctx, Throwable cause) {
                probe.tell("restarted");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                if (msg.equals("fail")) {
                    throw new IllegalStateException("fail");
                }
                probe.tell(msg);
            }
        }, ActorOptions.defaults().supervision(SupervisorStrategy.restart(
                5, Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(10))));
        ref.tell("fail");
        ref.tell("after");
        probe.expectNoMessage(Duration.ofSeconds(9));
        kit.advance(Duration.ofSeconds(1));
        assertThat(probe.receiveMessages(2)).containsExactly("restarted", "after");
        assertThat(kit.expectFailures(1).get(0).cause()).isEqualTo("java.lang.IllegalStateException: fail");
    }

    @Test
    void advanceNeedsAPausedKit() {
        try (ActorTestKit realTime = ActorTestKit.createRealTime()) {
            assertThat(realTime.isPaused()).isFalse();
            assertThatThrownBy(() -> realTime.advance(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("advance(PT1S) needs a kit on manual time: this kit (" + realTime.name()
                            + ") runs on real time; make it with ActorTestKit.create(), not createRealTime()");
        }
        assertThat(kit.isPaused()).isTrue();
    }
}
