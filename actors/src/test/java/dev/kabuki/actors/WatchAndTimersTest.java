package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchAndTimersTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("watch").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    /** Watches whatever ActorRef it is sent; records terminations. */
    static final class Watcher implements Actor<Object> {
        final List<String> log;
        final CountDownLatch terminated;
        final boolean withMessage;

        Watcher(List<String> log, CountDownLatch terminated, boolean withMessage) {
            this.log = log;
            this.terminated = terminated;
            this.withMessage = withMessage;
        }

        @Override
        public void receive(ActorContext<Object> ctx, Object msg) {
            if (msg instanceof ActorRef<?> target) {
                if (withMessage) {
                    ctx.watchWith(target, "gone: " + target.name());
                } else {
                    ctx.watch(target);
                }
                log.add("watching " + target.name());
            } else {
                log.add(String.valueOf(msg));
                terminated.countDown();
            }
        }

        @Override
        public void onTerminated(ActorContext<Object> ctx, ActorRef<?> actor) {
            log.add("terminated " + actor.name());
            terminated.countDown();
        }
    }

    @Test
    void watchDeliversTheTerminationOnceWhateverStoppedTheActor() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch terminated = new CountDownLatch(1);
        ActorRef<Object> watcher = system.spawnActor("watcher", () -> new Watcher(log, terminated, false));
        ActorRef<String> target = system.spawnActor("target", () -> (ctx, m) -> { });
        watcher.tell(target);
        watcher.tell(target); // watching twice is watching once
        ActorSystemTest.await("watching", () -> log.size() == 2);
        system.stop(target);
        assertThat(terminated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("watching target", "watching target", "terminated target");
    }

    /**
     * Erlang's and Pekko's order: what a watched actor sent before it stopped is received before
     * its termination. Many rounds on every worker, the watchee stopping itself right after its
     * last send, so that the termination races the messages still in the watcher's mailbox.
     */
    @Test
    void theTerminationComesAfterEveryMessageTheWatchedActorSentBeforeItStopped() throws Exception {
        int rounds = 200;
        int perRound = 2_000;
        for (int round = 0; round < rounds; round++) {
            List<Object> seen = new java.util.ArrayList<>(); // the watcher's thread only; read after the latch
            CountDownLatch terminated = new CountDownLatch(1);
            ActorRef<Object> watcher = system.spawnActor("w" + round, () -> new Actor<Object>() {
                @Override
                public void receive(ActorContext<Object> ctx, Object msg) {
                    if (msg instanceof ActorRef<?> target) {
                        ctx.watch(target);
                        @SuppressWarnings("unchecked") ActorRef<Object> t = (ActorRef<Object>) target;
                        t.tell("go");
                    } else {
                        seen.add(msg);
                    }
                }

                @Override
                public void onTerminated(ActorContext<Object> ctx, ActorRef<?> actor) {
                    seen.add("terminated");
                    terminated.countDown();
                }
            });
            ActorRef<Object> sender = system.spawnActor("s" + round, () -> (ctx, msg) -> {
                for (int i = 0; i < perRound; i++) {
                    watcher.tell(i);
                }
                ctx.stopSelf();
            });
            watcher.tell(sender);
            assertThat(terminated.await(30, TimeUnit.SECONDS)).as("round %d terminated", round).isTrue();
            system.stop(watcher);
            assertThat(seen).as("round %d", round).hasSize(perRound + 1).last().isEqualTo("terminated");
            for (int i = 0; i < perRound; i++) {
                assertThat(seen.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void watchWithDeliversTheGivenMessageAndWatchingAStoppedActorFiresAtOnce() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch terminated = new CountDownLatch(1);
        ActorRef<String> target = system.spawnActor("early", () -> (ctx, m) -> { });
        AtomicReference<Throwable> none = new AtomicReference<>();
        system.stop(target);
        // Wait until it has stopped: an ask to it fails at once then.
        ActorSystemTest.await("stopped", () -> {
            try {
                target.<String>ask(r -> "x", Duration.ofSeconds(5)).join();
                return false;
            } catch (RuntimeException e) {
                none.set(e);
                return e.getCause() instanceof ActorTerminatedException;
            }
        });
        ActorRef<Object> watcher = system.spawnActor("watcher2", () -> new Watcher(log, terminated, true));
        watcher.tell(target);
        assertThat(terminated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("watching early", "gone: early");
    }

    @Test
    void timersToSelfFireAndStopWithTheActor() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        CountDownLatch once = new CountDownLatch(1);
        CountDownLatch fiveTicks = new CountDownLatch(5);
        AtomicReference<Cancellable> periodic = new AtomicReference<>();
        ActorRef<String> ticker = system.spawnActor("ticker", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.scheduleOnce(Duration.ofMillis(10), "once");
                periodic.set(ctx.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(5), "tick"));
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                if (msg.equals("once")) {
                    once.countDown();
                } else {
                    ticks.incrementAndGet();
                    fiveTicks.countDown();
                }
            }
        });
        assertThat(once.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(fiveTicks.await(30, TimeUnit.SECONDS)).isTrue();
        system.stop(ticker);
        ActorSystemTest.await("ticker stopped", () -> {
            try {
                ticker.<String>ask(r -> "probe", Duration.ofSeconds(5)).join();
                return false;
            } catch (RuntimeException e) {
                return e.getCause() instanceof ActorTerminatedException;
            }
        });
        // The probe fails as soon as the stop has set the actor terminated, which is before the
        // stop cancels the actor's timers (ActorCell.closeAndNotify). The top-level name is freed
        // (ActorSystem.topLevelTerminated) only after that: wait for it before checking the timer.
        ActorSystemTest.await("ticker's stop completed (its name is free again)", () -> {
            try {
                system.spawnActor("ticker", () -> (ctx, m) -> { });
                return true;
            } catch (IllegalArgumentException stillRegistered) {
                return false;
            }
        });
        assertThat(periodic.get().cancel()).isFalse(); // already cancelled by the stop
        ActorSystemTest.await("no timer left", () -> system.metrics().pendingTimers() == 0);
    }
}
