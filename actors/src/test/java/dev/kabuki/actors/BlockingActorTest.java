package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BlockingActorTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    /** Blocks in receive until released: exactly what a core actor must never do. */
    @Blocking
    static final class Sleeper implements Actor<ActorRef<String>> {
        static volatile CountDownLatch release = new CountDownLatch(0);
        static final AtomicInteger blockedNow = new AtomicInteger();

        @Override
        public void receive(ActorContext<ActorRef<String>> ctx, ActorRef<String> replyTo) throws Exception {
            blockedNow.incrementAndGet();
            release.await(); // the blocking behaviour under test
            blockedNow.decrementAndGet();
            replyTo.tell(Thread.currentThread().getName());
        }
    }

    /** Two core actors ping-ponging a countdown. */
    record Ball(int remaining, ActorRef<Ball> other, CountDownLatch done) {}

    static final class Player implements Actor<Ball> {
        @Override
        public void receive(ActorContext<Ball> ctx, Ball ball) {
            if (ball.remaining() == 0) {
                ball.done().countDown();
            } else {
                ball.other().tell(new Ball(ball.remaining() - 1, ctx.self(), ball.done()));
            }
        }
    }

    @Test
    void aBlockingTaggedActorRunsOnTheBlockingDispatcherAndCoreActorsKeepGoing() throws Exception {
        // One core worker, and the blocking actors stay blocked until the ping-pong is over: if
        // they ran on that worker, the ping-pong could never finish (the latch would time out).
        Sleeper.release = new CountDownLatch(1);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("blocking-actors")
                .workerThreads(1).build()) {
            int sleepers = 4;
            JoinHandle<?>[] replies = new JoinHandle<?>[sleepers];
            for (int i = 0; i < sleepers; i++) {
                ActorRef<ActorRef<String>> sleeper = system.spawnActor("sleeper-" + i, Sleeper::new);
                replies[i] = sleeper.<String>ask(r -> r, LONG);
            }
            ActorSystemTest.await("all blocking actors blocked", () -> Sleeper.blockedNow.get() == sleepers);
            ActorRef<Ball> a = system.spawnActor("a", Player::new);
            ActorRef<Ball> b = system.spawnActor("b", Player::new);
            CountDownLatch done = new CountDownLatch(1);
            a.tell(new Ball(10_000, b, done));
            assertThat(done.await(30, TimeUnit.SECONDS)).as("core actors ran while blocking actors blocked").isTrue();
            assertThat(Sleeper.blockedNow.get()).isEqualTo(sleepers);
            Sleeper.release.countDown();
            for (JoinHandle<?> r : replies) {
                assertThat((String) r.join(LONG)).startsWith("blocking-actors-blocking-");
            }
        }
    }

    @Test
    void theBlockingOptionDoesTheSameWithoutTheAnnotation() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("blocking-option").build()) {
            ActorRef<ActorRef<String>> io = system.spawnActor("io",
                    () -> (ctx, replyTo) -> replyTo.tell(Thread.currentThread().getName()),
                    ActorOptions.defaults().runOnBlockingDispatcher());
            JoinHandle<String> name = io.ask(r -> r, LONG);
            assertThat(name.join()).startsWith("blocking-option-blocking-");
        }
    }

    @Test
    void aBlockingActorStillProcessesOneMessageAtATime() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("blocking-serial").build()) {
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(200);
            ActorRef<Integer> serial = system.spawnActor("serial", () -> (ctx, n) -> {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                Thread.sleep(1); // blocking work under test
                inside.decrementAndGet();
                done.countDown();
            }, ActorOptions.defaults().runOnBlockingDispatcher());
            for (int i = 0; i < 200; i++) {
                serial.tell(i);
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(overlaps.get()).isZero();
        }
    }
}
