package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keyed timers to self and the receive timeout. */
class KeyedTimersTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("keyed").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    /**
     * Inside receive, waits until the actor's own mailbox holds {@code n} messages: the timer's
     * message has fired and waits behind the current one. The actor runs on the blocking
     * dispatcher, so this wait holds no core worker.
     */
    static void awaitQueued(ActorContext<?> ctx, int n) {
        ActorSystemTest.await("timer message queued", () -> ctx.self().mailboxDepth() >= n);
    }

    static final ActorOptions BLOCKING = ActorOptions.defaults().runOnBlockingDispatcher();

    @Test
    void aCancelledTimersMessageIsNotReceivedEvenIfAlreadyQueued() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch probed = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("cancel", () -> (ctx, msg) -> {
            switch (msg) {
                case "arm" -> {
                    ctx.startSingleTimer("k", "tick", Duration.ZERO);
                    log.add("active " + ctx.isTimerActive("k"));
                    awaitQueued(ctx, 1);
                    ctx.cancelTimer("k");
                    log.add("active " + ctx.isTimerActive("k"));
                }
                case "probe" -> probed.countDown();
                default -> log.add(msg);
            }
        }, BLOCKING);
        ref.tell("arm");
        ref.tell("probe"); // queued behind the timer's message
        assertThat(probed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("active true", "active false");
    }

    @Test
    void aNewTimerUnderTheSameKeyReplacesTheOld() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch second = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("replace", () -> (ctx, msg) -> {
            switch (msg) {
                case "arm" -> {
                    ctx.startSingleTimer("k", "first", Duration.ZERO);
                    awaitQueued(ctx, 1);
                    ctx.startSingleTimer("k", "second", Duration.ofMillis(1));
                }
                case "second" -> {
                    log.add(msg + " active=" + ctx.isTimerActive("k"));
                    second.countDown();
                }
                default -> log.add(msg);
            }
        }, BLOCKING);
        ref.tell("arm");
        assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("second active=false");
    }

    @Test
    void aFixedRateTimerRepeatsUntilCancelledAndNothingArrivesAfterTheCancel() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch fiveTicks = new CountDownLatch(5);
        CountDownLatch probed = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("rate", () -> (ctx, msg) -> {
            switch (msg) {
                case "start" -> ctx.startTimerAtFixedRate("tick", "tick", Duration.ZERO, Duration.ofMillis(5));
                case "tick" -> {
                    log.add("tick");
                    fiveTicks.countDown();
                }
                case "stop" -> {
                    ctx.cancelTimer("tick");
                    log.add("cancelled, active=" + ctx.isTimerActive("tick"));
                }
                case "probe" -> probed.countDown();
                default -> throw new IllegalStateException(msg);
            }
        });
        ref.tell("start");
        assertThat(fiveTicks.await(30, TimeUnit.SECONDS)).isTrue();
        ref.tell("stop");
        ref.tell("probe");
        assertThat(probed.await(30, TimeUnit.SECONDS)).isTrue();
        // Give a late tick every chance to slip in: another round trip after the probe.
        CountDownLatch again = new CountDownLatch(1);
        system.schedule(Duration.ofMillis(50), again::countDown);
        assertThat(again.await(30, TimeUnit.SECONDS)).isTrue();
        ref.ask(r -> "probe", Duration.ofSeconds(30)); // one more message through the mailbox
        int cancelAt = log.indexOf("cancelled, active=false");
        assertThat(cancelAt).isGreaterThanOrEqualTo(5);
        assertThat(log.subList(cancelAt + 1, log.size())).isEmpty();
    }

    @Test
    void timersAreCancelledByARestart() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch probed = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("restart", () -> new Actor<String>() {
            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                switch (msg) {
                    case "arm-and-fail" -> {
                        ctx.startSingleTimer("k", "old-tick", Duration.ZERO);
                        awaitQueued(ctx, 1);
                        throw new IllegalStateException("fail with a timer queued");
                    }
                    case "probe" -> {
                        log.add("probe active=" + ctx.isTimerActive("k"));
                        probed.countDown();
                    }
                    default -> log.add(msg);
                }
            }
        }, BLOCKING.supervision(SupervisorStrategy.restart(10, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO)));
        ref.tell("arm-and-fail");
        ref.tell("probe");
        assertThat(probed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("probe active=false");
    }

    @Test
    void theReceiveTimeoutFiresWhileIdleAgainAndAgainUntilCancelled() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch twice = new CountDownLatch(2);
        CountDownLatch probed = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("idle", () -> (ctx, msg) -> {
            switch (msg) {
                case "start" -> ctx.setReceiveTimeout(Duration.ofMillis(20), "idle");
                case "idle" -> {
                    log.add("idle");
                    twice.countDown();
                    if (twice.getCount() == 0) {
                        ctx.cancelReceiveTimeout();
                        log.add("cancelled");
                    }
                }
                case "probe" -> probed.countDown();
                default -> throw new IllegalStateException(msg);
            }
        });
        ref.tell("start");
        assertThat(twice.await(30, TimeUnit.SECONDS)).isTrue();
        CountDownLatch later = new CountDownLatch(1);
        system.schedule(Duration.ofMillis(100), later::countDown); // five timeouts' worth
        assertThat(later.await(30, TimeUnit.SECONDS)).isTrue();
        ref.tell("probe");
        assertThat(probed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("idle", "idle", "cancelled");
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("bad", () -> (ctx, msg) -> {
            for (Runnable r : List.<Runnable>of(
                    () -> ctx.startSingleTimer("k", "m", Duration.ofMillis(-1)),
                    () -> ctx.startTimerAtFixedRate("k", "m", Duration.ZERO, Duration.ZERO),
                    () -> ctx.setReceiveTimeout(Duration.ZERO, "m"))) {
                try {
                    r.run();
                } catch (IllegalArgumentException e) {
                    errors.add(e);
                }
            }
            done.countDown();
        });
        ref.tell("go");
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(errors).hasSize(3);
        assertThatThrownBy(() -> { throw errors.get(1); }).hasMessageContaining("interval must be positive");
    }
}
