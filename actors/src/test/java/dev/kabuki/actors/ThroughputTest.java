package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The throughput setting: fairness between busy actors sharing a worker. */
class ThroughputTest {

    record Item(int n) {}

    /** Records which actor processed each message, in processing order (one worker: no race). */
    static final class Recorder implements Actor<Item> {
        private final String name;
        private final List<String> log;
        private final CountDownLatch done;

        Recorder(String name, List<String> log, CountDownLatch done) {
            this.name = name;
            this.log = log;
            this.done = done;
        }

        @Override
        public void receive(ActorContext<Item> ctx, Item msg) {
            log.add(name);
            done.countDown();
        }
    }

    /**
     * Fails if an actor with messages left keeps its worker past {@code throughput} messages
     * while another actor waits for the same worker (the "go on when nothing waits" shortcut
     * must not cost fairness).
     */
    @Test
    void twoBusyActorsOnOneWorkerTakeTurnsOfAtMostThroughputMessages() throws InterruptedException {
        int throughput = 5;
        int perActor = 200;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(2 * perActor);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("fair").workerThreads(1)
                .throughput(throughput).build()) {
            ActorRef<Item> a = system.spawnActor("a", () -> new Recorder("a", log, done));
            ActorRef<Item> b = system.spawnActor("b", () -> new Recorder("b", log, done));
            // Hold the only worker so both mailboxes fill up before either actor runs.
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch holding = new CountDownLatch(1);
            system.spawn(() -> {
                holding.countDown();
                gate.await();
                return null;
            });
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < perActor; i++) {
                a.tell(new Item(i));
                b.tell(new Item(i));
            }
            gate.countDown();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        List<String> order = List.copyOf(log);
        assertThat(order).hasSize(2 * perActor);
        // Until one actor is done, runs of the same actor are at most `throughput` long.
        int lastA = order.lastIndexOf("a");
        int lastB = order.lastIndexOf("b");
        int bothBusyUntil = Math.min(lastA, lastB) - throughput; // the last turn may be short
        int run = 0;
        for (int i = 0; i < bothBusyUntil; i++) {
            run = i > 0 && order.get(i).equals(order.get(i - 1)) ? run + 1 : 1;
            assertThat(run).as("run of '%s' ending at %d in %s", order.get(i), i, order)
                    .isLessThanOrEqualTo(throughput);
        }
    }

    /** Fails if an actor alone on its worker stops early: all of its messages are processed. */
    @Test
    void aBusyActorAloneGoesOnPastItsThroughputAndProcessesEverything() throws InterruptedException {
        int n = 100_000;
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(n);
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("alone").workerThreads(1)
                .throughput(3).shutdownTimeout(Duration.ofSeconds(30)).build()) {
            ActorRef<Item> a = system.spawnActor("a", () -> new Recorder("a", log, done));
            for (int i = 0; i < n; i++) {
                a.tell(new Item(i));
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(log).hasSize(n);
    }
}
