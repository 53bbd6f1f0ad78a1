package dev.kabuki.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.Blocking;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TestProbe on a paused kit: what it returns, what it waits for, and what its failures say. */
class TestProbeTest {
    sealed interface Reply permits Pong, Other {}

    record Pong(int x) implements Reply {}

    record Other(int x) implements Reply {}

    record Ping(int x, ActorRef<Reply> replyTo) {}

    /** Answers every ping with a pong; a negative ping with an Other. */
    static final class Echo implements Actor<Ping> {
        @Override
        public void receive(ActorContext<Ping> ctx, Ping ping) {
            ping.replyTo().tell(ping.x() < 0 ? new Other(ping.x()) : new Pong(ping.x()));
        }
    }

    /**
     * Echo on the blocking pool: it blocks until the test opens {@code gate}, then replies from
     * a real thread, in real time.
     */
    @Blocking
    static final class BlockingEcho implements Actor<Ping> {
        private final CountDownLatch gate;

        BlockingEcho(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public void receive(ActorContext<Ping> ctx, Ping ping) throws InterruptedException {
            if (!gate.await(30, TimeUnit.SECONDS)) { // blocking work, as such an actor does
                throw new IllegalStateException("the test never opened the gate");
            }
            ping.replyTo().tell(new Pong(ping.x()));
        }
    }

    private final ActorTestKit kit = ActorTestKit.create();

    @AfterEach
    void tearDown() {
        ActorTestKitExtension.closeAndCheck(kit, Duration.ofSeconds(5));
    }

    @Test
    void expectMessageRunsThePausedSystemAndReturnsTheReply() {
        ActorRef<Ping> echo = kit.spawn("echo", Echo::new);
        TestProbe<Reply> probe = kit.createProbe();
        echo.tell(new Ping(1, probe.ref()));
        echo.tell(new Ping(2, probe));                   // the probe itself is a reply address too
        assertThat(probe.expectMessage()).isEqualTo(new Pong(1));
        assertThat(probe.expectMessage(new Pong(2))).isEqualTo(new Pong(2));
        probe.expectNoMessage();
        assertThat(probe.path()).isEqualTo("/user/probe-1");
        assertThat(kit.<String>createProbe("named").path()).isEqualTo("/user/named");
    }

    @Test
    void receiveMessagesKeepsArrivalOrder() {
        ActorRef<Ping> echo = kit.spawn("echo", Echo::new);
        TestProbe<Reply> probe = kit.createProbe();
        for (int i = 0; i < 5; i++) {
            echo.tell(new Ping(i, probe.ref()));
        }
        assertThat(probe.receiveMessages(3)).containsExactly(new Pong(0), new Pong(1), new Pong(2));
        assertThat(probe.receiveMessages(2)).containsExactly(new Pong(3), new Pong(4));
    }

    @Test
    void failuresSayWhatArrivedInstead() {
        ActorRef<Ping> echo = kit.spawn("echo", Echo::new);
        TestProbe<Reply> probe = kit.createProbe();

        echo.tell(new Ping(-1, probe.ref()));
        assertThatThrownBy(() -> probe.expectMessageClass(Pong.class))
                .isInstanceOf(AssertionError.class)
                .hasMessage("expected a message of class Pong within 3 s, got Other[x=-1]");

        echo.tell(new Ping(7, probe.ref()));
        assertThatThrownBy(() -> probe.expectMessage(new Pong(8)))
                .hasMessage("expected Pong[x=8] within 3 s, got Pong[x=7]");

        echo.tell(new Ping(1, probe.ref()));
        assertThatThrownBy(() -> probe.expectNoMessage(Duration.ofMillis(200)))
                .hasMessage("expected no message for 200 ms, got Pong[x=1]");

        echo.tell(new Ping(1, probe.ref()));
        echo.tell(new Ping(2, probe.ref()));
        assertThatThrownBy(() -> probe.receiveMessages(3, Duration.ofMillis(50)))
                .hasMessage("expected 3 messages within 50 ms, got 2: [Pong[x=1], Pong[x=2]]");

        assertThatThrownBy(() -> probe.expectMessage(Duration.ofMillis(50)))
                .hasMessage("expected a message within 50 ms, got none");
    }

    @Test
    void expectMessageClassReturnsTheTypedMessage() {
        ActorRef<Ping> echo = kit.spawn("echo", Echo::new);
        TestProbe<Reply> probe = kit.createProbe();
        echo.tell(new Ping(3, probe.ref()));
        Pong pong = probe.expectMessageClass(Pong.class, Duration.ofSeconds(1));
        assertThat(pong.x()).isEqualTo(3);
    }

    @Test
    void waitingOnAPausedKitNeverMovesTheClockAndSaysSo() {
        TestProbe<String> probe = kit.createProbe();
        kit.spawn("later", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.startSingleTimer("k", "go", Duration.ofSeconds(5));
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                probe.tell(msg);
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> probe.expectMessage(Duration.ofMillis(100)))
                .hasMessage("expected a message within 100 ms, got none (the kit runs on manual time and"
                        + " 1 timer(s) are pending: waiting does not move the clock, kit.advance(...) does)");
        kit.advance(Duration.ofSeconds(5));
        assertThat(probe.expectMessage()).isEqualTo("go");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aBlockingActorRepliesInRealTimeWhileTheProbeRunsTheSystem() {
        CountDownLatch gate = new CountDownLatch(1);
        ActorRef<Ping> echo = kit.spawn("blocking-echo", () -> new BlockingEcho(gate));
        TestProbe<Reply> probe = kit.createProbe();
        for (int i = 0; i < 3; i++) {
            echo.tell(new Ping(i, probe.ref()));
        }
        gate.countDown(); // the echo thread wakes and replies while the probe waits
        // The replies come from a blocking-pool thread; each is run on this thread on arrival.
        assertThat(probe.receiveMessages(3, Duration.ofSeconds(10)))
                .containsExactly(new Pong(0), new Pong(1), new Pong(2));
    }

    @Test
    void askOnAProbeQueuesTheRequestAndTheTestAnswersThroughIt() {
        TestProbe<Ping> probe = kit.createProbe();
        JoinHandle<Reply> answered = probe.ask(r -> new Ping(1, r), Duration.ofSeconds(10));
        Ping request = probe.expectMessage();
        request.replyTo().tell(new Pong(request.x()));
        kit.runUntilIdle();
        assertThat(answered.outcome()).isEqualTo(JoinHandle.Outcome.SUCCEEDED);
        assertThat(answered.join()).isEqualTo(new Pong(1));

        JoinHandle<Reply> unanswered = probe.ask(r -> new Ping(2, r), Duration.ofSeconds(10));
        probe.expectMessageClass(Ping.class);
        kit.advance(Duration.ofSeconds(10));
        assertThat(unanswered.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
    }

    @Test
    void expectTerminatedSeesAStopWithoutTakingMessages() {
        ActorRef<Ping> echo = kit.spawn("echo", Echo::new);
        TestProbe<Reply> probe = kit.createProbe();
        echo.tell(new Ping(1, probe.ref()));
        kit.runUntilIdle();                              // the pong waits in the probe's queue
        kit.system().stop(echo);
        probe.expectTerminated(echo);
        assertThat(probe.expectMessage()).isEqualTo(new Pong(1)); // still there
        probe.expectTerminated(echo, Duration.ofMillis(10));   // stopped already: reported at once

        ActorRef<Ping> alive = kit.spawn("alive", Echo::new);
        assertThatThrownBy(() -> probe.expectTerminated(alive, Duration.ofMillis(50)))
                .hasMessage("expected /user/alive to terminate within 50 ms, but it is still alive");
    }

    @Test
    void aProbeCanBeWatchedAndStoppedLikeAnyActor() {
        TestProbe<String> watcher = kit.createProbe();
        TestProbe<String> probe = kit.createProbe();
        kit.system().stop(probe.ref());
        watcher.expectTerminated(probe);
        assertThat(probe.tryTell("late")).isFalse();
    }

    @Test
    void expectNoMessageMovesThePausedClockByItsDuration() {
        TestProbe<String> probe = kit.createProbe();
        kit.spawn("ticker", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.startSingleTimer("k", "tick", Duration.ofSeconds(5));
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                probe.tell(msg);
            }
        });
        long start = System.nanoTime();
        probe.expectNoMessage(Duration.ofSeconds(4));              // t = 4 s
        assertThatThrownBy(() -> probe.expectNoMessage(Duration.ofSeconds(2)))  // t = 6 s
                .hasMessage("expected no message for 2 s, got tick");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void theDefaultTimeoutIsSetPerProbe() {
        TestProbe<String> probe = kit.<String>createProbe().defaultTimeout(Duration.ofMillis(20));
        assertThat(probe.defaultTimeout()).isEqualTo(Duration.ofMillis(20));
        assertThatThrownBy(probe::expectMessage).hasMessage("expected a message within 20 ms, got none");
        assertThatThrownBy(() -> probe.defaultTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(kit.<String>createProbe().defaultTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void spawnWithOptionsKeepsTheBlockingTag() {
        TestProbe<String> probe = kit.createProbe();
        @Blocking
        final class WhereAmI implements Actor<String> {
            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                probe.tell(Thread.currentThread().getName());
            }
        }
        kit.spawn("tagged", WhereAmI::new).tell("where");
        kit.spawn("by-options", ctx -> (c, m) -> probe.tell(Thread.currentThread().getName()),
                ActorOptions.defaults().runOnBlockingDispatcher()).tell("where");
        List<String> threads = probe.receiveMessages(2, Duration.ofSeconds(10));
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith(kit.name() + "-blocking-"));
    }
}
