package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StashTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("stash").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    /** Stashes everything until "open", then handles the stash first. */
    static final class Gate implements Actor<String> {
        private final List<String> log;
        private boolean open;

        Gate(List<String> log) {
            this.log = log;
        }

        @Override
        public void receive(ActorContext<String> ctx, String msg) {
            if (msg.equals("open")) {
                open = true;
                log.add("open");
                ctx.unstashAll();
            } else if (!open) {
                ctx.stash(msg);
            } else {
                log.add(msg);
            }
        }
    }

    @Test
    void stashedMessagesAreHandledInOrderAheadOfTheMailbox() {
        List<String> log = new CopyOnWriteArrayList<>();
        // Throughput 1: "c" is already waiting in the mailbox when "open" unstashes a and b.
        ActorRef<String> gate = system.spawnActor("gate", () -> new Gate(log),
                ActorOptions.defaults().throughput(1));
        for (String m : List.of("a", "b", "open", "c", "d")) {
            gate.tell(m);
        }
        ActorSystemTest.await("all handled", () -> log.size() == 5);
        assertThat(log).containsExactly("open", "a", "b", "c", "d");
    }

    @Test
    void stashedMessagesGoToDeadLettersWhenTheActorStops() {
        List<String> log = new CopyOnWriteArrayList<>();
        List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        ActorRef<String> gate = system.spawnActor("closed-gate", () -> new Gate(log));
        try (AutoCloseable sub = system.deadLetters().subscribe(dead::add)) {
            gate.tell("x");
            gate.tell("y");
            JoinHandle_probe(gate);
            system.stop(gate);
            ActorSystemTest.await("stashed messages dead-lettered",
                    () -> dead.stream().filter(d -> d.reason().contains("stashed")).count() == 3);
            assertThat(dead.stream().filter(d -> d.reason().contains("stashed")).map(DeadLetter::message))
                    .containsExactly("x", "y", "probe");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until the gate has handled (stashed) what was sent before. */
    private static void JoinHandle_probe(ActorRef<String> gate) {
        // An ask whose message is stashed never gets a reply; a short timeout proves the
        // earlier messages were handled (the mailbox is FIFO per sender) without sleeping.
        try {
            gate.<String>ask(r -> "probe", Duration.ofMillis(100)).join();
        } catch (RuntimeException expected) {
            // timed out: "probe" was stashed too, after x and y
        }
    }
}
