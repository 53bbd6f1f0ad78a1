package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SupervisionTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("supervision").build();
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        system.close();
    }

    sealed interface Cmd permits Add, Boom, Total {}

    record Add(int n) implements Cmd {}

    record Boom() implements Cmd {}

    record Total(ActorRef<Integer> replyTo) implements Cmd {}

    /** Sums; throws on Boom; logs its lifecycle. */
    final class Summer implements Actor<Cmd> {
        private int total;

        @Override
        public void onStart(ActorContext<Cmd> ctx) {
            log.add("start " + ctx.self().name());
        }

        @Override
        public void onRestart(ActorContext<Cmd> ctx, Throwable cause) {
            log.add("restart " + ctx.self().name() + " after " + cause.getMessage());
        }

        @Override
        public void onStop(ActorContext<Cmd> ctx) {
            log.add("stop " + ctx.self().name());
        }

        @Override
        public void receive(ActorContext<Cmd> ctx, Cmd msg) {
            switch (msg) {
                case Add a -> total += a.n();
                case Boom b -> throw new IllegalStateException("boom");
                case Total t -> t.replyTo().tell(total);
            }
        }
    }

    private int total(ActorRef<Cmd> ref) {
        JoinHandle<Integer> h = ref.ask(Total::new, LONG);
        return h.join();
    }

    @Test
    void restartMakesAFreshInstanceKeepsTheMailboxAndDeadLettersTheFailingMessage() {
        ActorRef<Cmd> summer = system.spawnActor("restarted", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.restart(5, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO)));
        long deadBefore = system.deadLetters().count();
        summer.tell(new Add(1));
        summer.tell(new Boom());
        summer.tell(new Add(2)); // queued behind the failure: kept and processed by the new instance
        assertThat(total(summer)).isEqualTo(2);
        assertThat(log).containsSequence("start restarted", "restart restarted after boom");
        assertThat(system.deadLetters().count() - deadBefore).isEqualTo(1);
    }

    @Test
    void resumeKeepsTheState() {
        ActorRef<Cmd> summer = system.spawnActor("resumed", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.resume()));
        summer.tell(new Add(1));
        summer.tell(new Boom());
        summer.tell(new Add(2));
        assertThat(total(summer)).isEqualTo(3);
        assertThat(log).noneMatch(s -> s.startsWith("restart"));
    }

    @Test
    void stopStopsTheActor() {
        ActorRef<Cmd> summer = system.spawnActor("stopped", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.stop()));
        summer.tell(new Boom());
        JoinHandle<Integer> h = summer.ask(Total::new, LONG);
        assertThatThrownBy(() -> h.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
        assertThat(log).contains("stop stopped");
    }

    @Test
    void restartsBeyondTheLimitWithinTheWindowStopTheActor() {
        ActorRef<Cmd> summer = system.spawnActor("limited", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.restart(3, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO)));
        for (int i = 0; i < 4; i++) {
            summer.tell(new Boom());
        }
        JoinHandle<Integer> h = summer.ask(Total::new, LONG);
        assertThatThrownBy(() -> h.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
        assertThat(log.stream().filter(s -> s.startsWith("restart limited")).count()).isEqualTo(3);
        assertThat(log).contains("stop limited");
    }

    @Test
    void restartWaitsOutTheBackoff() {
        ActorRef<Cmd> summer = system.spawnActor("backoff", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.restart(5, Duration.ofMinutes(1),
                        Duration.ofMillis(150), Duration.ofSeconds(1))));
        assertThat(total(summer)).isZero(); // started
        long failedAt = System.nanoTime();
        summer.tell(new Boom());
        assertThat(total(summer)).isZero(); // answered only by the restarted instance
        assertThat(System.nanoTime() - failedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(140));
        assertThat(log).contains("restart backoff after boom");
    }

    /** A parent whose only job is to own a child with the given strategy. */
    final class Parent implements Actor<Cmd> {
        private final SupervisorStrategy childStrategy;
        private ActorRef<Cmd> child;

        Parent(SupervisorStrategy childStrategy) {
            this.childStrategy = childStrategy;
        }

        @Override
        public void onStart(ActorContext<Cmd> ctx) {
            log.add("start parent");
            child = ctx.spawn("child", Summer::new, ActorOptions.defaults().supervision(childStrategy));
        }

        @Override
        public void onRestart(ActorContext<Cmd> ctx, Throwable cause) {
            log.add("restart parent after " + cause.getMessage());
            onStart(ctx);
        }

        @Override
        public void receive(ActorContext<Cmd> ctx, Cmd msg) {
            child.tell(msg); // forward everything to the child
        }
    }

    @Test
    void escalateFailsTheParentWhoseOwnStrategyApplies() {
        ActorRef<Cmd> parent = system.spawnActor("parent", () -> new Parent(SupervisorStrategy.escalate()),
                ActorOptions.defaults().supervision(SupervisorStrategy.restart(5, Duration.ofMinutes(1), Duration.ZERO, Duration.ZERO)));
        parent.tell(new Boom()); // the child throws and escalates: the parent restarts
        // The restarted parent spawns a new child, whose onStart runs asynchronously after the
        // parent's onRestart logged: wait for the second child start, not just the parent's restart.
        ActorSystemTest.await("a new child started by the restarted parent",
                () -> log.stream().filter("start child"::equals).count() == 2);
        // The old child stopped before the new parent instance made a new one.
        assertThat(log.indexOf("stop child")).isLessThan(log.indexOf("restart parent after boom"));
        assertThat(log.lastIndexOf("start child")).isGreaterThan(log.indexOf("restart parent after boom"));
        assertThat(log.stream().filter("start child"::equals).count()).isEqualTo(2);
    }

    @Test
    void aTopLevelActorEscalatesToTheRootWhichStopsIt() {
        ActorRef<Cmd> summer = system.spawnActor("escalator", Summer::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.escalate()));
        summer.tell(new Boom());
        JoinHandle<Integer> h = summer.ask(Total::new, LONG);
        assertThatThrownBy(() -> h.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
    }

    @Test
    void theDefaultStrategyRestarts() {
        ActorRef<Cmd> summer = system.spawnActor("default", Summer::new);
        summer.tell(new Add(5));
        summer.tell(new Boom());
        assertThat(total(summer)).isZero();
        assertThat(log).contains("restart default after boom");
        assertThat(ActorOptions.defaults().supervision()).isInstanceOf(SupervisorStrategy.Restart.class);
    }
}
