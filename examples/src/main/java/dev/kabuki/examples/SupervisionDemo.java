package dev.kabuki.examples;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.SupervisorStrategy;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;

/**
 * Supervision: a parser actor that throws on bad input is restarted (fresh state, same
 * mailbox) with backoff; one with {@code resume} keeps its state; the failing message goes to
 * dead letters, and an ask that carried it fails at once with the parser's exception. Run with
 * {@code -Dexample=dev.kabuki.examples.SupervisionDemo}.
 */
public final class SupervisionDemo {

    sealed interface ParserMsg permits Parse, Count {}

    record Parse(String text) implements ParserMsg {}

    record Count(ActorRef<Integer> replyTo) implements ParserMsg {}

    /** Counts the numbers it parsed; throws NumberFormatException on bad input. */
    static final class Parser implements Actor<ParserMsg> {
        private int parsed;

        @Override
        public void onRestart(ActorContext<ParserMsg> ctx, Throwable cause) {
            System.out.println("  " + ctx.self().name() + " restarted after: " + cause.getMessage());
        }

        @Override
        public void receive(ActorContext<ParserMsg> ctx, ParserMsg msg) {
            switch (msg) {
                case Parse p -> {
                    Integer.parseInt(p.text());
                    parsed++;
                }
                case Count c -> c.replyTo().tell(parsed);
            }
        }
    }

    public static void main(String[] args) {
        try (ActorSystem system = ActorSystem.builder().build()) {
            ActorRef<ParserMsg> restarting = system.spawnActor("restarting", Parser::new,
                    ActorOptions.defaults().supervision(SupervisorStrategy.restart(
                            3, Duration.ofMinutes(1), Duration.ofMillis(50), Duration.ofSeconds(1))));
            ActorRef<ParserMsg> resuming = system.spawnActor("resuming", Parser::new,
                    ActorOptions.defaults().supervision(SupervisorStrategy.resume()));

            for (ActorRef<ParserMsg> parser : java.util.List.of(restarting, resuming)) {
                System.out.println(parser.name() + ":");
                parser.tell(new Parse("1"));
                parser.tell(new Parse("2"));
                parser.tell(new Parse("three")); // throws
                parser.tell(new Parse("4"));
                JoinHandle<Integer> count = parser.ask(Count::new, Duration.ofSeconds(5));
                System.out.println("  parsed count: " + count.join()
                        + (parser == restarting ? " (state reset by the restart)" : " (state kept)"));
            }

            JoinHandle<Integer> failing = restarting.ask(r -> new Parse("oops"), Duration.ofSeconds(5));
            try {
                failing.join();
            } catch (RuntimeException e) {
                System.out.println("ask that made it throw: " + e.getCause());
            }
            System.out.println("dead letters (the failing messages): " + system.deadLetters().count());
        }
    }
}
