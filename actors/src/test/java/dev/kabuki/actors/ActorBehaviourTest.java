package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ActorBehaviourTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("actors").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    sealed interface EchoMsg permits Echo, Ignore, Fail, Stop {}

    record Echo(String text, ActorRef<String> replyTo) implements EchoMsg {}

    record Ignore(ActorRef<String> replyTo) implements EchoMsg {}

    record Fail(ActorRef<String> replyTo) implements EchoMsg {}

    record Stop() implements EchoMsg {}

    static final class EchoActor implements Actor<EchoMsg> {
        @Override
        public void receive(ActorContext<EchoMsg> ctx, EchoMsg msg) {
            switch (msg) {
                case Echo e -> e.replyTo().tell(e.text());
                case Ignore i -> { }
                case Fail f -> throw new IllegalStateException("asked to fail");
                case Stop s -> ctx.stopSelf();
            }
        }
    }

    @Test
    void askGetsTheReply() {
        ActorRef<EchoMsg> echo = system.spawnActor("echo", EchoActor::new);
        JoinHandle<String> reply = echo.ask(r -> new Echo("hi", r), LONG);
        assertThat(reply.join()).isEqualTo("hi");
    }

    @Test
    void askTimesOutWithAMessageNamingTargetRequestAndTimeout() {
        ActorRef<EchoMsg> echo = system.spawnActor("silent", EchoActor::new);
        JoinHandle<String> h = echo.ask(Ignore::new, Duration.ofMillis(50));
        assertThatThrownBy(h::join).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("/user/silent").hasMessageContaining("Ignore")
                .hasMessageContaining("50 ms");
    }

    @Test
    void aLateReplyGoesToDeadLetters() throws Exception {
        List<DeadLetter> letters = Collections.synchronizedList(new ArrayList<>());
        try (AutoCloseable sub = system.deadLetters().subscribe(letters::add)) {
            Promise_Holder holder = new Promise_Holder();
            ActorRef<EchoMsg> keeper = system.spawnActor("keeper", () -> (ctx, msg) -> {
                if (msg instanceof Ignore i) {
                    holder.replyTo = i.replyTo();
                    holder.captured.countDown();
                }
            });
            JoinHandle<String> h = keeper.ask(Ignore::new, Duration.ofMillis(20));
            assertThatThrownBy(h::join).isInstanceOf(TaskTimeoutException.class);
            assertThat(holder.captured.await(30, TimeUnit.SECONDS)).isTrue();
            holder.replyTo.tell("too late");
            assertThat(letters).anyMatch(l -> "too late".equals(l.message()) && l.reason().contains("ask already completed"));
        }
    }

    static final class Promise_Holder {
        volatile ActorRef<String> replyTo;
        final CountDownLatch captured = new CountDownLatch(1);
    }

    @Test
    void askFailsAtOnceWhenTheTargetStopsBeforeReplying() {
        ActorRef<EchoMsg> echo = system.spawnActor("quitter", EchoActor::new);
        JoinHandle<String> pending = echo.ask(Ignore::new, Duration.ofMinutes(5));
        echo.tell(new Stop());
        assertThatThrownBy(() -> pending.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(ActorTerminatedException.class)
                .hasMessage("/user/quitter stopped before replying to the ask to /user/quitter with Ignore"
                        + " (timeout 300000 ms)");
        // An ask to an actor that is already stopped fails at once too.
        JoinHandle<String> late = echo.ask(r -> new Echo("x", r), Duration.ofMinutes(5));
        assertThatThrownBy(() -> late.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
    }

    /**
     * Fails if asks that completed, by a reply, a failure or their target's stop, leave a timer
     * entry each (a thousand here, each holding its ask for the whole hour): the asking thread
     * keeps one entry, armed for its earliest deadline (see ThreadAskDeadlines).
     */
    @Test
    void aCompletedAskLeavesNoTimerBehind() {
        ActorRef<EchoMsg> echo = system.spawnActor("echo", EchoActor::new);
        List<JoinHandle<String>> replies = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            String text = "m" + i;
            replies.add(echo.ask(r -> new Echo(text, r), Duration.ofHours(1)));
        }
        for (int i = 0; i < replies.size(); i++) {
            assertThat(replies.get(i).join(LONG)).isEqualTo("m" + i);
        }
        JoinHandle<String> failed = echo.ask(Fail::new, Duration.ofHours(1));
        assertThatThrownBy(() -> failed.join(LONG)).isInstanceOf(TaskFailedException.class);
        ActorRef<EchoMsg> quitter = system.spawnActor("quitter", EchoActor::new);
        JoinHandle<String> orphan = quitter.ask(Ignore::new, Duration.ofHours(1));
        quitter.tell(new Stop());
        assertThatThrownBy(() -> orphan.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
        ActorSystemTest.await("one timer entry for the asking thread", () -> system.metrics().pendingTimers() <= 1);
    }

    /** Fails if an ask outstanding at shutdown waits out its timeout or hides why it failed. */
    @Test
    void anAskPendingAtShutdownFailsAtOnceSayingSo() {
        ActorSystem other = ActorSystem.builder().threadNamePrefix("closing").build();
        ActorRef<EchoMsg> echo = other.spawnActor("silent", EchoActor::new);
        JoinHandle<String> pending = echo.ask(Ignore::new, Duration.ofMinutes(5));
        other.close();
        assertThatThrownBy(() -> pending.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(ActorTerminatedException.class)
                .hasMessageContaining("/user/silent was stopped by the actor system's shutdown")
                .hasMessageContaining("with Ignore (timeout 300000 ms)");
    }

    /** Fails if an ask on a closed system throws instead of returning a failed handle. */
    @Test
    void anAskAfterShutdownReturnsAFailedHandleNamingTheAsk() {
        ActorSystem other = ActorSystem.builder().threadNamePrefix("closed").build();
        ActorRef<EchoMsg> echo = other.spawnActor("gone", EchoActor::new);
        other.close();
        JoinHandle<String> late = echo.ask(r -> new Echo("x", r), Duration.ofSeconds(7));
        assertThatThrownBy(() -> late.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().hasMessageContaining("/user/gone").hasMessageContaining("with Echo (timeout 7000 ms)")
                .hasMessageContaining("shut");
    }

    @Test
    void whenTheTargetThrowsTheAskFailsAtOnceWithItsException() {
        ActorRef<EchoMsg> echo = system.spawnActor("thrower", EchoActor::new);
        JoinHandle<String> h = echo.ask(Fail::new, Duration.ofMinutes(5));
        assertThatThrownBy(() -> h.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("asked to fail");
        // Restarted (the default strategy): it still answers.
        JoinHandle<String> after = echo.ask(r -> new Echo("again", r), LONG);
        assertThat(after.join()).isEqualTo("again");
    }

    @Test
    void messagesToAStoppedActorGoToDeadLettersAndAreCounted() throws Exception {
        ActorRef<EchoMsg> echo = system.spawnActor("gone", EchoActor::new);
        JoinHandle<String> bye = echo.ask(Ignore::new, Duration.ofMinutes(5));
        system.stop(echo);
        assertThatThrownBy(() -> bye.join(LONG)).hasCauseInstanceOf(ActorTerminatedException.class);
        long before = system.deadLetters().count();
        for (int i = 0; i < 100; i++) {
            echo.tell(new Stop());
        }
        assertThat(echo.tryTell(new Stop())).isFalse();
        assertThat(system.deadLetters().count() - before).isEqualTo(101);
    }

    @Test
    void duplicateTopLevelNamesAndBadNamesAreRejected() {
        system.spawnActor("unique", EchoActor::new);
        assertThatThrownBy(() -> system.spawnActor("unique", EchoActor::new))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/user/unique");
        for (String bad : List.of("", "a/b", "$x", "white space")) {
            assertThatThrownBy(() -> system.spawnActor(bad, EchoActor::new))
                    .as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Records lifecycle events into a shared log. */
    static final class Recorder implements Actor<String> {
        private final String id;
        private final List<String> log;
        private final int children;

        Recorder(String id, List<String> log, int children) {
            this.id = id;
            this.log = log;
            this.children = children;
        }

        @Override
        public void onStart(ActorContext<String> ctx) {
            log.add("start " + id);
            for (int i = 0; i < children; i++) {
                String childId = id + "." + i;
                ctx.spawn("c" + i, () -> new Recorder(childId, log, 0));
            }
        }

        @Override
        public void receive(ActorContext<String> ctx, String msg) {
            log.add(id + " got " + msg);
        }

        @Override
        public void onStop(ActorContext<String> ctx) {
            log.add("stop " + id);
        }
    }

    @Test
    void childrenStopBeforeTheirParentAndOnStopRunsExactlyOnce() throws Exception {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        ActorRef<String> parent = system.spawnActor("parent", () -> new Recorder("p", log, 3));
        parent.tell("hello");
        ActorSystemTest.await("started", () -> log.contains("p got hello") && log.stream().filter(s -> s.startsWith("start")).count() == 4);
        system.stop(parent);
        system.stop(parent);
        ActorSystemTest.await("stopped", () -> log.contains("stop p"));
        int parentStop = log.indexOf("stop p");
        for (int i = 0; i < 3; i++) {
            assertThat(log.indexOf("stop p." + i)).isBetween(0, parentStop - 1);
        }
        assertThat(log.stream().filter("stop p"::equals).count()).isEqualTo(1);
    }

    @Test
    void closeStopsEveryActorChildrenFirst() {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        ActorSystem other = ActorSystem.builder().threadNamePrefix("close-actors").build();
        other.spawnActor("a", () -> new Recorder("a", log, 2));
        other.spawnActor("b", () -> new Recorder("b", log, 0));
        ActorSystemTest.await("started", () -> log.stream().filter(s -> s.startsWith("start")).count() == 4);
        ShutdownReport report = other.shutdown(LONG);
        assertThat(report.clean()).isTrue();
        assertThat(log).contains("stop a", "stop a.0", "stop a.1", "stop b");
        assertThat(log.indexOf("stop a.0")).isLessThan(log.indexOf("stop a"));
        assertThatThrownBy(() -> other.spawnActor("late", () -> new Recorder("x", log, 0)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void joinOnAPendingHandleInsideReceiveFailsFast() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        ActorRef<String> joiner = system.spawnActor("joiner", () -> (ctx, msg) -> {
            JoinHandle<String> pending = ctx.system().spawnBlocking(() -> {
                release.await();
                return "x";
            });
            try {
                pending.join(); // on a core worker: must throw, never block
            } catch (IllegalStateException e) {
                thrown.set(e);
                throw e;
            }
        });
        JoinHandle<Object> watch = joiner.ask(r -> "go", Duration.ofMinutes(5));
        assertThatThrownBy(() -> watch.join(LONG)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("spawnBlocking");
        release.countDown();
        assertThat(system.spawn(() -> 1).join(LONG)).isEqualTo(1);
    }
}
