package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The four programs a new user wrote that went wrong at the edges (the actor-hardening issue):
 * each test is that program, with assertions on what must happen instead.
 */
class ActorFaultsTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    /** Counts its stops; replies to a String with the same String. */
    static final class Stoppable implements Actor<Object> {
        final AtomicInteger stops;

        Stoppable(AtomicInteger stops) {
            this.stops = stops;
        }

        @Override
        public void receive(ActorContext<Object> ctx, Object msg) {
            if (msg instanceof ActorRef<?> r) {
                @SuppressWarnings("unchecked")
                ActorRef<Object> replyTo = (ActorRef<Object>) r;
                replyTo.tell("pong");
            }
        }

        @Override
        public void onStop(ActorContext<Object> ctx) {
            stops.incrementAndGet();
        }
    }

    // Fails if close() of a current-thread system queues the actors' stop and then waits for it
    // outside blockOn, where no thread runs that queue: onStop would run 0 times and close would
    // wait out its whole timeout with a report saying the actors did not stop.
    @Test
    void currentThreadCloseStopsEveryActor() {
        AtomicInteger stops = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("ct-close")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).shutdownTimeout(Duration.ofSeconds(5)).build();
        system.blockOn(() -> {
            for (int i = 0; i < 3; i++) {
                ActorRef<Object> a = system.spawnActor("a" + i, () -> new Stoppable(stops));
                assertThat(a.<String>ask(r -> r, LONG).join()).isEqualTo("pong");
            }
            return null;
        });
        ShutdownReport report = system.shutdown(LONG);
        assertThat(stops.get()).as("onStop runs once per actor").isEqualTo(3);
        assertThat(report.actorsNotStopped()).isZero();
        assertThat(report.clean()).as(report.toString()).isTrue();
    }

    // The same close from a thread that never ran blockOn, with a fresh actor that never ran
    // either: its onStart and onStop both run on the closing thread.
    @Test
    void currentThreadCloseStopsActorsSpawnedOutsideBlockOn() {
        AtomicInteger stops = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("ct-close2")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).build();
        system.spawnActor("never-ran", () -> new Stoppable(stops));
        ShutdownReport report = system.shutdown(LONG);
        assertThat(stops.get()).isEqualTo(1);
        assertThat(report.clean()).as(report.toString()).isTrue();
    }

    /** An exception nobody can print: its toString() and getMessage() throw. */
    static final class Unprintable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage is broken");
        }

        @Override
        public String toString() {
            throw new IllegalStateException("toString is broken");
        }
    }

    // Fails if a failure whose exception cannot be printed escapes the actor's failure handling
    // (the log line, the dead letter's reason) and leaves the mailbox token held: the ten
    // messages sent after it would stay in the mailbox, neither processed nor dead-lettered,
    // and close would wait out its whole timeout.
    @Test
    void anUnprintableExceptionStillLeavesNoMessageBehind() throws Exception {
        AtomicInteger processed = new AtomicInteger();
        CountDownLatch tenHandled = new CountDownLatch(10);
        ActorSystem system = ActorSystem.builder().threadNamePrefix("unprintable").build();
        ActorRef<String> actor = system.spawnActor("thrower", () -> (ctx, msg) -> {
            if (msg.equals("boom")) {
                throw new Unprintable();
            }
            processed.incrementAndGet();
            tenHandled.countDown();
        });
        AtomicInteger deadLetters = new AtomicInteger();
        try (AutoCloseable sub = system.deadLetters().subscribe(d -> {
            if (!d.message().equals("boom")) {
                deadLetters.incrementAndGet();
                tenHandled.countDown();
            }
        })) {
            actor.tell("boom");
            for (int i = 0; i < 10; i++) {
                actor.tell("m" + i);
            }
            assertThat(tenHandled.await(30, TimeUnit.SECONDS))
                    .as("every later message processed or dead-lettered").isTrue();
        }
        assertThat(processed.get() + deadLetters.get()).isEqualTo(10);
        assertThat(processed.get()).as("restarted (the default strategy) and went on").isEqualTo(10);
        assertThat(actor.mailboxDepth()).isZero();
        ShutdownReport report = system.shutdown(LONG);
        assertThat(report.clean()).as(report.toString()).isTrue();
    }

    /** Counts what it processed and its stops; tagged blocking. */
    @Blocking
    static final class BlockingWorker implements Actor<String> {
        final AtomicInteger processed;
        final AtomicInteger stops;

        BlockingWorker(AtomicInteger processed, AtomicInteger stops) {
            this.processed = processed;
            this.stops = stops;
        }

        @Override
        public void receive(ActorContext<String> ctx, String msg) {
            processed.incrementAndGet();
        }

        @Override
        public void onStop(ActorContext<String> ctx) {
            stops.incrementAndGet();
        }
    }

    // Fails if an activation of a blocking actor that finds the blocking queue full is dropped
    // (its messages to dead letters, no onStop, no terminated signal, the name kept) while
    // shutdown reports clean: actor activations bypass the queue capacity, so all 20 actors
    // process their message and stop.
    @Test
    void blockingActorsBehindAFullBlockingQueueAllRunAndStop() throws Exception {
        AtomicInteger processed = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("full-queue")
                .maxBlockingThreads(1).blockingQueueCapacity(1).build();
        long deadBefore = system.deadLetters().count();
        for (int i = 0; i < 20; i++) {
            system.spawnActor("w" + i, () -> new BlockingWorker(processed, stops)).tell("job");
        }
        ActorSystemTest.await("all 20 messages processed", () -> processed.get() == 20);
        ShutdownReport report = system.shutdown(LONG);
        assertThat(stops.get()).isEqualTo(20);
        assertThat(system.deadLetters().count() - deadBefore).isZero();
        assertThat(report.actorsNotStopped()).isZero();
        assertThat(report.clean()).as(report.toString()).isTrue();
    }

    // Fails if close() inside an actor half shuts the system (stops the actors and the timer,
    // then throws, leaving isShutdown() true while spawn still runs): it must begin the
    // shutdown and return, and the shutdown must then complete on its own.
    @Test
    void closeFromInsideAnActorBeginsTheShutdownAndReturns() {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        AtomicInteger stops = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("close-inside").build();
        system.spawnActor("bystander", () -> new Stoppable(stops));
        ActorRef<String> closer = system.spawnActor("closer", () -> (ctx, msg) -> {
            try {
                ctx.system().close();
            } catch (Throwable t) {
                thrown.set(t);
            }
            returned.countDown();
        });
        closer.tell("close");
        ShutdownReport report = system.whenTerminated().join(LONG);
        assertThat(returned.getCount()).isZero();
        assertThat(thrown.get()).as("close() inside an actor returns normally").isNull();
        assertThat(system.isShutdown()).isTrue();
        assertThat(stops.get()).isEqualTo(1);
        assertThat(report.clean()).as(report.toString()).isTrue();
        JoinHandle<Integer> late = system.spawn(() -> 1);
        assertThat(late.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        assertThatThrownBy(late::join).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThat(system.shutdown(LONG)).as("later calls return the same report").isSameAs(report);
    }

    // Fails if shutdown(Duration), which waits for the runtime's threads, can be called on one
    // of them and changes anything before failing: it must throw at once, the system intact.
    @Test
    void shutdownFromInsideAnActorFailsBeforeChangingAnything() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(2);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("shutdown-inside").build()) {
            ActorRef<String> a = system.spawnActor("a", () -> (ctx, msg) -> {
                if (msg.equals("shut down")) {
                    try {
                        ctx.system().shutdown(Duration.ofSeconds(1));
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                    first.countDown();
                }
                second.countDown();
            });
            a.tell("shut down");
            assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("close()").hasMessageContaining("Nothing was shut down");
            assertThat(system.isShutdown()).isFalse();
            assertThat(system.spawn(() -> 42).join(LONG)).isEqualTo(42);
            a.tell("still running");
            assertThat(second.await(30, TimeUnit.SECONDS)).as("the actor goes on").isTrue();
        }
    }

    // Fails if an actor that does not stop in time is not counted: the report must say the
    // shutdown was not clean and how many actors did not stop.
    @Test
    void anActorThatDoesNotStopInTimeMakesTheReportUnclean() throws Exception {
        CountDownLatch inReceive = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ActorSystem system = ActorSystem.builder().threadNamePrefix("stuck").build();
        system.spawnActor("stuck", () -> new BlockingStuck(inReceive, release)).tell("block");
        assertThat(inReceive.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            ShutdownReport report = system.shutdown(Duration.ofMillis(200));
            assertThat(report.actorsNotStopped()).isEqualTo(1);
            assertThat(report.clean()).isFalse();
        } finally {
            release.countDown();
        }
    }

    @Blocking
    record BlockingStuck(CountDownLatch inReceive, CountDownLatch release) implements Actor<String> {
        @Override
        public void receive(ActorContext<String> ctx, String msg) {
            inReceive.countDown();
            // The behaviour under test: an actor blocked past the shutdown deadline. The
            // shutdown interrupts the blocking thread; ignore that and keep blocking until the
            // test releases it.
            while (true) {
                try {
                    release.await();
                    return;
                } catch (InterruptedException e) {
                    // keep blocking
                }
            }
        }
    }

    // The timer thread runs no user code: a timed-out ask's callbacks run on a core worker.
    @Test
    void timedOutAskCallbacksNeverRunOnTheTimerThread() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch called = new CountDownLatch(2);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("no-timer-cb").build()) {
            ActorRef<Object> silent = system.spawnActor("silent", () -> (ctx, msg) -> { });
            JoinHandle<String> ask = silent.ask(r -> "no reply", Duration.ofMillis(20));
            ask.whenComplete((v, e) -> {
                threads.add(Thread.currentThread().getName());
                called.countDown();
            });
            JoinHandle<String> slow = system.spawnBlocking(() -> {
                new CountDownLatch(1).await(); // blocks until the timeout interrupts it
                return "never";
            }).orTimeout(Duration.ofMillis(20));
            slow.whenComplete((v, e) -> {
                threads.add(Thread.currentThread().getName());
                called.countDown();
            });
            assertThat(called.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ask.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
            assertThat(slow.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
        }
        assertThat(threads).hasSize(2).allMatch(n -> n.startsWith("no-timer-cb-worker-"), "a core worker");
    }

    // On the current-thread flavour, nothing runs a core actor outside blockOn: an ask's join
    // there would wait out its whole timeout. It must fail fast, saying to call it in blockOn.
    @Test
    void askJoinOutsideBlockOnFailsFastOnTheCurrentThreadFlavour() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("ct-ask")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).build()) {
            ActorRef<Object> echo = system.spawnActor("echo", () -> new Stoppable(new AtomicInteger()));
            JoinHandle<String> answer = echo.ask(r -> r, Duration.ofMinutes(5));
            assertThatThrownBy(answer::join).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("blockOn");
            String reply = system.blockOn(answer::join);
            assertThat(reply).isEqualTo("pong");
        }
    }

    // Fails if a self-timer of the failed instance survives a restart and fires into the fresh
    // one (Pekko cancels an actor's timers when it restarts).
    @Test
    void timersToSelfAreCancelledWhenTheActorRestarts() throws Exception {
        List<dev.kabuki.scheduler.Cancellable> timers = new CopyOnWriteArrayList<>();
        CountDownLatch restarted = new CountDownLatch(1);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("timer-restart").build()) {
            ActorRef<String> a = system.spawnActor("a", () -> new Actor<String>() {
                @Override
                public void onStart(ActorContext<String> ctx) {
                    timers.add(ctx.scheduleOnce(Duration.ofHours(1), "late"));
                }

                @Override
                public void onRestart(ActorContext<String> ctx, Throwable cause) {
                    onStart(ctx);
                    restarted.countDown();
                }

                @Override
                public void receive(ActorContext<String> ctx, String msg) {
                    throw new IllegalStateException("fail on purpose");
                }
            });
            a.tell("fail");
            assertThat(restarted.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(timers).hasSize(2);
            assertThat(timers.get(0).cancel()).as("the failed instance's timer was cancelled").isFalse();
            assertThat(timers.get(1).cancel()).as("the fresh instance's timer is live").isTrue();
        }
    }

    // Fails if an activation the blocking pool refuses (no thread can be made) is silently
    // abandoned: the actor must stop through the normal stop path, on a core worker: onStop
    // runs once, its watchers are told, its name is free again, its messages go to dead letters.
    @Test
    void aBlockingActorWhoseThreadCannotBeMadeStopsThroughTheStopPath() throws Exception {
        AtomicInteger threadsMade = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        CountDownLatch watcherTold = new CountDownLatch(1);
        ActorSystem system = ActorSystem.builder().threadNamePrefix("no-thread")
                .maxBlockingThreads(1).threadKeepAlive(Duration.ofMillis(20))
                .blockingThreadFactory(r -> {
                    if (threadsMade.incrementAndGet() > 1) {
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
                    }
                    return new Thread(r);
                }).build();
        try {
            ActorRef<String> worker = system.spawnActor("worker", () -> new BlockingWorker(processed, stops));
            system.spawnActor("watcher", () -> new Actor<Object>() {
                @Override
                public void onStart(ActorContext<Object> ctx) {
                    ctx.watch(worker);
                }

                @Override
                public void receive(ActorContext<Object> ctx, Object msg) {
                }

                @Override
                public void onTerminated(ActorContext<Object> ctx, ActorRef<?> actor) {
                    watcherTold.countDown();
                }
            });
            worker.tell("first");
            ActorSystemTest.await("the first message processed", () -> processed.get() == 1);
            ActorSystemTest.await("the pool's one thread exited after its keep-alive",
                    () -> system.metrics().blocking().liveThreads() == 0);
            long deadBefore = system.deadLetters().count();
            worker.tell("second"); // needs a new thread, which cannot be made
            assertThat(watcherTold.await(30, TimeUnit.SECONDS)).as("watchers told").isTrue();
            assertThat(stops.get()).as("onStop ran once").isEqualTo(1);
            assertThat(processed.get()).isEqualTo(1);
            assertThat(system.deadLetters().count() - deadBefore).as("the unprocessed message").isEqualTo(1);
            ActorSystemTest.await("the name is free again", () -> {
                try {
                    system.spawnActor("worker", () -> (ctx, msg) -> { });
                    return true;
                } catch (IllegalArgumentException taken) {
                    return false;
                }
            });
        } finally {
            system.shutdown(LONG);
        }
    }
}
