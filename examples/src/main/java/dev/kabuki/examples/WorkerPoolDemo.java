package dev.kabuki.examples;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.Router;
import dev.kabuki.actors.Routers;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A worker pool: four word counters behind one router. Lines go to one counter each (round
 * robin); a broadcast asks every counter for its tally; the pool is resized by a call. Run with
 * {@code mvn -q -DskipTests -P run-example -pl examples -am verify -Dexample=dev.kabuki.examples.WorkerPoolDemo}.
 */
public final class WorkerPoolDemo {

    sealed interface WordMsg permits Count, Report {}

    /** Count the words of one line. */
    record Count(String line) implements WordMsg {}

    /** Tell {@code replyTo} what you have counted. */
    record Report(ActorRef<Tally> replyTo) implements WordMsg {}

    /** One counter's tally. */
    record Tally(String counter, int lines, int words) {}

    static final class WordCounter implements Actor<WordMsg> {
        private int lines;
        private int words;

        @Override
        public void receive(ActorContext<WordMsg> ctx, WordMsg msg) {
            switch (msg) {
                case Count c -> {
                    lines++;
                    words += c.line().isBlank() ? 0 : c.line().trim().split("\\s+").length;
                }
                case Report r -> r.replyTo().tell(new Tally(ctx.self().name(), lines, words));
            }
        }
    }

    /** Gathers one tally per counter, then completes {@code all}. */
    static final class Collector implements Actor<Tally> {
        private final int expected;
        private final CompletableFuture<List<Tally>> all;
        private final List<Tally> tallies = new ArrayList<>();

        Collector(int expected, CompletableFuture<List<Tally>> all) {
            this.expected = expected;
            this.all = all;
        }

        @Override
        public void receive(ActorContext<Tally> ctx, Tally tally) {
            tallies.add(tally);
            if (tallies.size() == expected) {
                all.complete(List.copyOf(tallies));
                ctx.stopSelf();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String[] text = {
            "the quick brown fox jumps over the lazy dog",
            "to be or not to be",
            "all that glitters is not gold",
        };
        int lines = 30_000;
        int expectedWords = 0;

        try (ActorSystem system = ActorSystem.builder().build()) {
            Router<WordMsg> counters = Routers.pool(4, WordCounter::new).spawn(system, "word-counters");

            for (int i = 0; i < lines; i++) {
                String line = text[i % text.length];
                expectedWords += line.split(" ").length;
                counters.tell(new Count(line));                   // one counter per line
            }

            // Every counter gets the Report after the lines this thread sent it: per-sender
            // order holds per routee, so the tallies are complete.
            CompletableFuture<List<Tally>> all = new CompletableFuture<>();
            ActorRef<Tally> collector = system.spawnActor("collector", () -> new Collector(4, all));
            counters.broadcast(new Report(collector));
            List<Tally> tallies = new ArrayList<>(all.get(30, TimeUnit.SECONDS));
            tallies.sort(Comparator.comparing(Tally::counter));
            tallies.forEach(t -> System.out.println("  " + t.counter() + ": " + t.lines() + " lines, " + t.words() + " words"));
            int words = tallies.stream().mapToInt(Tally::words).sum();

            // An ask goes to one counter, like a tell.
            JoinHandle<Tally> one = counters.ask(Report::new, Duration.ofSeconds(5));
            System.out.println("asked one counter: " + one.join().counter());

            // Resized by a call: the newest counters retire once idle.
            List<ActorRef<WordMsg>> now = counters.resize(2).join();
            System.out.println("resized to " + now.size() + " counters: " + counters.routees().stream().map(ActorRef::name).toList());

            System.out.println("word count: " + words + " words in " + lines + " lines by " + tallies.size()
                    + " counters (expected " + expectedWords + ") " + (words == expectedWords ? "OK" : "MISMATCH"));
        }
    }
}
