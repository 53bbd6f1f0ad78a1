package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ExtensionTest {

    static final class Recorder implements ActorSystem.Extension {
        final List<String> log;

        Recorder(List<String> log) {
            this.log = log;
        }

        @Override
        public void close() {
            log.add("closed");
        }
    }

    @Test
    void anExtensionIsMadeOnceEvenWhenThreadsRaceAndClosedAfterEveryActorStopped() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger made = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().build();
        system.spawnActor("a", () -> new Actor<String>() {
            @Override
            public void receive(ActorContext<String> ctx, String message) {
            }

            @Override
            public void onStop(ActorContext<String> ctx) {
                log.add("actor stopped");
            }
        });
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Recorder> seen = new CopyOnWriteArrayList<>();
        List<Thread> racers = new java.util.ArrayList<>();
        for (int i = 0; i < threads; i++) {
            racers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                seen.add(system.extension(Recorder.class, s -> {
                    made.incrementAndGet();
                    return new Recorder(log);
                }));
            }));
        }
        go.countDown();
        for (Thread t : racers) {
            t.join();
        }
        assertThat(made.get()).isEqualTo(1);
        assertThat(seen).hasSize(threads).allMatch(r -> r == seen.get(0));
        system.close();
        assertThat(log).containsExactly("actor stopped", "closed");
        assertThatThrownBy(() -> system.extension(Recorder.class, s -> new Recorder(log)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is shutting down");
    }

    @Test
    void aFailingCloseIsLoggedAndTheShutdownGoesOn() {
        ActorSystem system = ActorSystem.builder().build();
        system.extension(ActorSystem.Extension.class, s -> () -> {
            throw new IllegalStateException("expected by the test: close failed");
        });
        system.close();
        assertThat(system.whenTerminated().join().clean()).isTrue();
    }

    @Test
    void ioSelectorsDefaultsToOnePerWorkerAndIsChecked() {
        try (ActorSystem s = ActorSystem.builder().workerThreads(8).build()) {
            assertThat(s.ioSelectors()).isEqualTo(8);
        }
        try (ActorSystem s = ActorSystem.builder().workerThreads(1).build()) {
            assertThat(s.ioSelectors()).isEqualTo(1);
        }
        try (ActorSystem s = ActorSystem.builder().ioSelectors(3).build()) {
            assertThat(s.ioSelectors()).isEqualTo(3);
        }
        assertThatThrownBy(() -> ActorSystem.builder().ioSelectors(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ioSelectors must be between 1 and 256");
    }
}
