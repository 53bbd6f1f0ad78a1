package dev.kabuki.actors;

import static dev.kabuki.actors.SupervisorStrategy.onFailure;
import static dev.kabuki.actors.SupervisorStrategy.restart;
import static dev.kabuki.actors.SupervisorStrategy.resume;
import static dev.kabuki.actors.SupervisorStrategy.stop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Supervision by exception type, the parent told of restarts, and factories given a context. */
class SupervisionCasesTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("cases").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    static final SupervisorStrategy FAST_RESTART = restart(10, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO);

    /** Counts messages in a field (lost on restart) and throws what it is told to. */
    static final class Faulty implements Actor<Object> {
        private int seen;

        @Override
        public void receive(ActorContext<Object> ctx, Object msg) throws Exception {
            seen++;
            if (msg instanceof Exception e) {
                throw e;
            }
            if (msg instanceof ActorRef<?> replyTo) {
                @SuppressWarnings("unchecked")
                ActorRef<Integer> r = (ActorRef<Integer>) replyTo;
                r.tell(seen);
            }
        }
    }

    private int seen(ActorRef<Object> ref) {
        return ref.<Integer>ask(r -> r, Duration.ofSeconds(30)).join();
    }

    @Test
    void eachExceptionTypeGetsItsCaseAndTheFirstMatchWins() throws Exception {
        SupervisorStrategy strategy = onFailure(IllegalStateException.class, FAST_RESTART)
                .onFailure(IllegalArgumentException.class, resume())
                .onFailure(RuntimeException.class, stop()) // after the two above: they win
                .otherwise(resume());
        ActorRef<Object> ref = system.spawnActor("faulty", Faulty::new, ActorOptions.defaults().supervision(strategy));

        ref.tell(new IllegalArgumentException("resume me"));
        assertThat(seen(ref)).as("resumed: state kept").isEqualTo(2);
        ref.tell(new IOException("checked: otherwise, resume"));
        assertThat(seen(ref)).isEqualTo(4);
        ref.tell(new IllegalStateException("restart me"));
        assertThat(seen(ref)).as("restarted: a fresh instance").isEqualTo(1);
        ref.tell(new UncheckedIOException(new IOException("stop me")));
        ActorSystemTest.await("stopped", () -> !ref.tryTell("after"));
    }

    @Test
    void decideResolvesNestedCasesAndDefaultsToRestart() {
        SupervisorStrategy inner = onFailure(IllegalArgumentException.class, stop());
        SupervisorStrategy outer = onFailure(RuntimeException.class, inner);
        assertThat(outer.decide(new IllegalArgumentException())).isEqualTo(stop());
        assertThat(outer.decide(new IllegalStateException())).isEqualTo(restart()); // inner's default
        assertThat(outer.decide(new Exception())).isEqualTo(restart());
        assertThat(resume().decide(new Exception())).isEqualTo(resume());
        assertThatThrownBy(() -> onFailure(null, stop())).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theParentIsToldOfAChildsRestart() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch told = new CountDownLatch(1);
        AtomicReference<ActorRef<Object>> child = new AtomicReference<>();
        system.spawnActor("parent", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                child.set(ctx.spawn("child", Faulty::new, ActorOptions.defaults().supervision(FAST_RESTART)));
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onChildRestarted(ActorContext<String> ctx, ActorRef<?> c, Throwable cause) {
                log.add(c.path() + " restarted after " + cause.getMessage());
                told.countDown();
            }
        });
        ActorSystemTest.await("child spawned", () -> child.get() != null);
        child.get().tell(new IllegalStateException("boom"));
        assertThat(told.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("/user/parent/child restarted after boom");
    }

    @Test
    void anActorFactoryGetsTheActorsOwnContextAtSpawnAndAtEveryRestart() throws Exception {
        List<String> made = new CopyOnWriteArrayList<>();
        ActorRef<Object> ref = system.spawnActor("self-aware", ctx -> {
            made.add(ctx.self().path() + " on " + Thread.currentThread().getName());
            return new Faulty();
        }, ActorOptions.defaults().supervision(FAST_RESTART));
        assertThat(made).hasSize(1);
        assertThat(made.get(0)).startsWith("/user/self-aware on ");
        ref.tell(new IllegalStateException("restart"));
        assertThat(seen(ref)).isEqualTo(1);
        assertThat(made).hasSize(2);
        assertThat(made.get(1)).startsWith("/user/self-aware on cases-");
    }

    @Test
    void aFactoryThatFailsFailsTheSpawnAndMessagesItLetOutAreDeadLetters() {
        long dead = system.deadLetters().count();
        assertThatThrownBy(() -> system.spawnActor("broken", ctx -> {
            ctx.self().tell("sent from the factory");
            throw new IllegalStateException("cannot make it");
        })).isInstanceOf(IllegalStateException.class).hasMessage("cannot make it");
        assertThat(system.deadLetters().count()).isEqualTo(dead + 1);
        // The name is free, and a later spawn under it works.
        AtomicInteger got = new AtomicInteger();
        ActorRef<Object> ok = system.spawnActor("broken", () -> (ctx, m) -> got.incrementAndGet());
        ok.tell("hello");
        ActorSystemTest.await("received", () -> got.get() == 1);
    }

    @Test
    void aSpawnUnderATakenNameLeavesNoLiveActorBehind() throws Exception {
        system.spawnActor("taken", () -> (ctx, m) -> { });
        assertThatThrownBy(() -> system.spawnActor("taken", () -> (ctx, m) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/user/taken");
        ShutdownReport report = system.shutdown(Duration.ofSeconds(30));
        assertThat(report.clean()).as(report.toString()).isTrue();
        assertThat(report.actorsNotStopped()).isZero();
    }

    @Test
    void messagesSentByAFactoryWaitForTheActorToStart() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch got = new CountDownLatch(1);
        ActorRef<String> early = system.spawnActor("early-bird", ctx -> {
            ctx.self().tell("from the factory");
            return new Actor<String>() {
                @Override
                public void onStart(ActorContext<String> c) {
                    log.add("started");
                }

                @Override
                public void receive(ActorContext<String> c, String msg) {
                    log.add(msg);
                    got.countDown();
                }
            };
        });
        assertThat(got.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("started", "from the factory");
    }
}
