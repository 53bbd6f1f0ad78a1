package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Asks at their target (PendingAsks) under concurrent askers and racing stops. */
class PendingAsksStressTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    record Echo(long value, ActorRef<Long> replyTo) {}

    static final class EchoActor implements Actor<Echo> {
        @Override
        public void receive(ActorContext<Echo> ctx, Echo msg) {
            msg.replyTo().tell(msg.value());
        }
    }

    sealed interface Forwarded {}

    record Ask(long value, ActorRef<Long> replyTo) implements Forwarded {}

    /** Answered with the forwarder's count of kept asks, read on its own thread. */
    record CountKept(ActorRef<Long> replyTo) implements Forwarded {}

    /**
     * Hands each ask's reply address to the echo, so that it leaves every ask unanswered when
     * it returns and must keep it (PendingAsks) until the echo answers.
     */
    static final class Forwarder implements Actor<Forwarded> {
        private final ActorRef<Echo> echo;

        Forwarder(ActorRef<Echo> echo) {
            this.echo = echo;
        }

        @Override
        public void receive(ActorContext<Forwarded> ctx, Forwarded msg) {
            switch (msg) {
                case Ask a -> echo.tell(new Echo(a.value(), a.replyTo()));
                case CountKept c -> c.replyTo().tell((long) ((ActorCell<?>) ctx).pendingAskCount());
            }
        }
    }

    /**
     * Fails if a reply goes to the wrong ask (a sum or count differs), or if the asks a target
     * left unanswered and that were answered elsewhere are never swept from what it keeps (it
     * would hold all 200,000 of them).
     */
    @Test
    void concurrentAskersGetTheirOwnRepliesAndCompletedAsksAreSwept() throws Exception {
        int askers = 4;
        int perAsker = 50_000;
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("asks").workerThreads(2).build()) {
            ActorRef<Echo> echo = system.spawnActor("echo", EchoActor::new);
            ActorRef<Forwarded> forwarder = system.spawnActor("forwarder", () -> new Forwarder(echo));
            AtomicLong wrong = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < askers; t++) {
                long base = (long) t * perAsker;
                Thread th = new Thread(() -> {
                    for (long i = base; i < base + perAsker; i++) {
                        long v = i;
                        JoinHandle<Long> h = forwarder.ask(r -> new Ask(v, r), LONG);
                        if (h.join(LONG) != v) {
                            wrong.incrementAndGet();
                        }
                    }
                }, "asker-" + t);
                th.start();
                threads.add(th);
            }
            for (Thread th : threads) {
                th.join(120_000);
                assertThat(th.isAlive()).isFalse();
            }
            assertThat(wrong.get()).isZero();
            // Every ask completed: what is kept is at most about one sweep's worth.
            long kept = forwarder.<Long>ask(CountKept::new, LONG).join(LONG);
            assertThat(kept).as("asks still kept after %d completed", askers * perAsker).isLessThan(2_000);
        }
    }

    /**
     * Fails if an ask that races the target's stop is neither answered nor failed at once: it
     * would wait out its 5-minute timeout, and join(30 s) would throw.
     */
    @Test
    void asksRacingAStopAllCompleteAtOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (ActorSystem system = ActorSystem.builder().threadNamePrefix("race").workerThreads(2).build()) {
                ActorRef<Echo> echo = system.spawnActor("echo", EchoActor::new);
                int askers = 3;
                CountDownLatch go = new CountDownLatch(1);
                List<List<JoinHandle<Long>>> handles = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < askers; t++) {
                    List<JoinHandle<Long>> mine = new ArrayList<>();
                    handles.add(mine);
                    Thread th = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (long i = 0; i < 2_000; i++) {
                            long v = i;
                            mine.add(echo.ask(r -> new Echo(v, r), Duration.ofMinutes(5)));
                        }
                    });
                    th.start();
                    threads.add(th);
                }
                go.countDown();
                system.stop(echo);
                for (Thread th : threads) {
                    th.join(60_000);
                }
                long answered = 0;
                long failed = 0;
                for (List<JoinHandle<Long>> mine : handles) {
                    for (JoinHandle<Long> h : mine) {
                        try {
                            h.join(LONG);
                            answered++;
                        } catch (TaskFailedException e) {
                            assertThat(e.getCause()).isInstanceOf(ActorTerminatedException.class);
                            failed++;
                        }
                    }
                }
                assertThat(answered + failed).isEqualTo(askers * 2_000L);
            }
        }
    }
}
