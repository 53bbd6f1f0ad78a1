package dev.kabuki.examples;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.Blocking;
import dev.kabuki.scheduler.JoinHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * A {@link Blocking} actor doing file I/O: an append-only journal. Its activations run on the
 * blocking dispatcher, so its disk writes never delay core actors, and it still handles one
 * message at a time (no locking around the file). Run with
 * {@code -Dexample=dev.kabuki.examples.BlockingFileActorDemo}.
 */
public final class BlockingFileActorDemo {

    sealed interface JournalMsg permits Append, ReadAll {}

    record Append(String line) implements JournalMsg {}

    record ReadAll(ActorRef<List<String>> replyTo) implements JournalMsg {}

    @Blocking
    static final class Journal implements Actor<JournalMsg> {
        private final Path file;

        Journal(Path file) {
            this.file = file;
        }

        @Override
        public void receive(ActorContext<JournalMsg> ctx, JournalMsg msg) throws IOException {
            switch (msg) {
                case Append a -> Files.writeString(file, a.line() + System.lineSeparator(),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
                case ReadAll r -> r.replyTo().tell(Files.readAllLines(file));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("kabuki-journal", ".log");
        try (ActorSystem system = ActorSystem.builder().build()) {
            ActorRef<JournalMsg> journal = system.spawnActor("journal", () -> new Journal(file));
            // Four core tasks append concurrently; the journal serializes the writes.
            JoinHandle<?>[] writers = new JoinHandle<?>[4];
            for (int w = 0; w < writers.length; w++) {
                int writer = w;
                writers[w] = system.spawn(() -> {
                    for (int i = 0; i < 25; i++) {
                        journal.tell(new Append("writer " + writer + " entry " + i));
                    }
                });
            }
            for (JoinHandle<?> w : writers) {
                w.join();
            }
            JoinHandle<List<String>> lines = journal.ask(ReadAll::new, Duration.ofSeconds(10));
            List<String> all = lines.join();
            System.out.println(all.size() + " lines written by a blocking actor; first: " + all.get(0));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
