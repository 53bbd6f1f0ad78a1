package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A paused current-thread system: every timer of the actor layer follows advanceTime. */
class ManualTimeTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("manual")
            .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    @Test
    void aOneHourAskTimeoutFiresAfterAdvancingAnHourWithoutWaitingIt() {
        long start = System.nanoTime();
        ActorRef<String> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
        JoinHandle<String> ask = silent.ask(r -> "question", Duration.ofHours(1));
        system.advanceTime(Duration.ofMinutes(59).plusSeconds(59));
        assertThat(ask.isFinished()).isFalse();
        system.advanceTime(Duration.ofSeconds(1));
        assertThat(ask.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void keyedTimersAndTheReceiveTimeoutFollowTheManualClock() {
        List<String> log = new CopyOnWriteArrayList<>();
        ActorRef<String> ref = system.spawnActor("timed", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.startSingleTimer("k", "tick", Duration.ofSeconds(30));
                ctx.setReceiveTimeout(Duration.ofSeconds(10), "idle");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                log.add(msg);
            }
        });
        system.runUntilIdle();
        system.advanceTime(Duration.ofSeconds(10));
        assertThat(log).containsExactly("idle");                  // t = 10
        system.advanceTime(Duration.ofSeconds(5));                 // t = 15
        ref.tell("ping");
        system.runUntilIdle();
        system.advanceTime(Duration.ofSeconds(5));                 // t = 20: only 5 s of silence
        assertThat(log).containsExactly("idle", "ping");
        system.advanceTime(Duration.ofSeconds(5));                 // t = 25: 10 s since the ping
        assertThat(log).containsExactly("idle", "ping", "idle");
        system.advanceTime(Duration.ofSeconds(5));                 // t = 30: the single timer
        assertThat(log).containsExactly("idle", "ping", "idle", "tick");
    }

    @Test
    void theSupervisionBackoffWaitsForTheManualClock() {
        List<String> log = new CopyOnWriteArrayList<>();
        ActorRef<String> ref = system.spawnActor("backoff", () -> new Actor<String>() {
            @Override
            public void onRestart(ActorContext<String> ctx, Throwable cause) {
                log.add("restarted");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                if (msg.equals("fail")) {
                    throw new IllegalStateException("fail");
                }
                log.add(msg);
            }
        }, ActorOptions.defaults().supervision(SupervisorStrategy.restart(
                5, Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(10))));
        ref.tell("fail");
        ref.tell("after");
        system.runUntilIdle();
        system.advanceTime(Duration.ofSeconds(9));
        assertThat(log).isEmpty();
        system.advanceTime(Duration.ofSeconds(1));
        assertThat(log).containsExactly("restarted", "after");
    }

    @Test
    void theBlockingThreadsKeepAliveFollowsTheManualClock() throws Exception {
        try (ActorSystem paused = ActorSystem.builder().threadNamePrefix("manual-keepalive")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true)
                .threadKeepAlive(Duration.ofMillis(100)).build()) {
            paused.spawnBlocking(() -> "done").join();
            ActorSystemTest.await("the thread is idle", () -> paused.metrics().blocking().idleThreads() == 1);
            // Real time well past the keep-alive: on manual time that does not end it.
            new java.util.concurrent.CountDownLatch(1).await(300, java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(paused.metrics().blocking().liveThreads()).isEqualTo(1);
            paused.advanceTime(Duration.ofMillis(100));
            ActorSystemTest.await("the thread exits", () -> paused.metrics().blocking().liveThreads() == 0);
        }
    }

    @Test
    void advanceTimeNeedsAPausedSystem() {
        try (ActorSystem real = ActorSystem.builder().threadNamePrefix("real")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).build()) {
            assertThat(real.isPaused()).isFalse();
            assertThatThrownBy(() -> real.advanceTime(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("startPaused(true)");
        }
        assertThatThrownBy(() -> ActorSystem.builder().startPaused(true).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("CURRENT_THREAD");
        assertThat(system.isPaused()).isTrue();
    }
}
