package dev.kabuki.examples;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;

/**
 * The first actor: a counter you tell to increment and ask for its total. Run with
 * {@code mvn -q -DskipTests -P run-example -pl examples -am verify -Dexample=dev.kabuki.examples.CounterActorDemo}.
 */
public final class CounterActorDemo {

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

    public static void main(String[] args) {
        try (ActorSystem system = ActorSystem.builder().build()) {
            ActorRef<CounterMsg> counter = system.spawnActor("counter", Counter::new);
            counter.tell(new Increment(5));
            JoinHandle<Integer> total = counter.ask(Get::new, Duration.ofSeconds(1));
            System.out.println(total.join());   // 5

            // Many senders at once: the actor still sees one message at a time.
            JoinHandle<?>[] senders = new JoinHandle<?>[4];
            for (int s = 0; s < senders.length; s++) {
                senders[s] = system.spawn(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        counter.tell(new Increment(1));
                    }
                });
            }
            for (JoinHandle<?> s : senders) {
                s.join();
            }
            JoinHandle<Integer> after = counter.ask(Get::new, Duration.ofSeconds(1));
            System.out.println(after.join());   // 40005

            // Stopping is asynchronous; an ask to a stopped (or stopping) actor fails at once
            // instead of waiting out its timeout, and what it had not processed goes to dead
            // letters.
            system.stop(counter);
            JoinHandle<Integer> tooLate = counter.ask(Get::new, Duration.ofSeconds(30));
            try {
                tooLate.join();
            } catch (TaskFailedException e) {
                System.out.println("ask after stop: " + e.getCause().getMessage());
            }
        }
    }
}
