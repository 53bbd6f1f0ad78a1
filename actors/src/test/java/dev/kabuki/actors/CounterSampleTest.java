package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The contract of issue 3 and of DESIGN.md: this code compiles and prints 5. */
class CounterSampleTest {
    sealed interface CounterMsg permits Increment, Get {}

    record Increment(int by) implements CounterMsg {}

    record Get(ActorRef<Integer> replyTo) implements CounterMsg {}

    static final class Counter implements Actor<CounterMsg> {
        private int total;

        @Override
        public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
            switch (msg) {
                case Increment inc -> total += inc.by();
                case Get get -> get.replyTo().tell(total);
            }
        }
    }

    @Test
    void theCounterSamplePrintsFive() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream System_out = new PrintStream(out, true);
        try (ActorSystem system = ActorSystem.builder().build()) {
            ActorRef<CounterMsg> counter = system.spawnActor("counter", Counter::new);
            counter.tell(new Increment(5));
            JoinHandle<Integer> total = counter.ask(Get::new, Duration.ofSeconds(1));
            System_out.println(total.join());   // 5
        }
        assertThat(out.toString().trim()).isEqualTo("5");
    }

    @Test
    void theDesignSampleWorks() throws Exception {
        java.nio.file.Path path = java.nio.file.Files.createTempFile("kabuki", ".txt");
        java.nio.file.Files.writeString(path, "text");
        try (ActorSystem system = ActorSystem.builder().build()) {
            JoinHandle<Integer> answer = system.spawn(() -> 6 * 7);
            JoinHandle<String> text = system.spawnBlocking(() -> java.nio.file.Files.readString(path));

            ActorRef<CounterMsg> counter = system.spawnActor("counter", Counter::new);
            counter.tell(new Increment(5));
            JoinHandle<Integer> total = counter.ask(replyTo -> new Get(replyTo), Duration.ofSeconds(1));
            assertThat(answer.join() + " " + total.join() + " " + text.join()).isEqualTo("42 5 text");
        } finally {
            java.nio.file.Files.deleteIfExists(path);
        }
    }

    /** docs/runtime.md, "A recipe for unit tests": the current-thread flavour with actors. */
    @Test
    void counterCountsWhatItIsTold() {
        ActorSystem system = ActorSystem.builder().flavor(ActorSystem.Flavor.CURRENT_THREAD).build();
        try (system) {
            int total = system.blockOn(() -> {
                ActorRef<CounterMsg> counter = system.spawnActor("counter", Counter::new);
                counter.tell(new Increment(2));
                counter.tell(new Increment(3));
                return counter.<Integer>ask(Get::new, Duration.ofSeconds(1)).join(); // runs the actor here
            });
            assertThat(total).isEqualTo(5);
        }
        ShutdownReport report = system.whenTerminated().join(Duration.ofSeconds(1));
        assertThat(report.clean()).as(report.toString()).isTrue();
        assertThat(report.actorsNotStopped()).isZero();
    }
}
