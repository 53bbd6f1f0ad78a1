package dev.kabuki.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.examples.BlockingFileActorDemo.Append;
import dev.kabuki.examples.BlockingFileActorDemo.Journal;
import dev.kabuki.examples.BlockingFileActorDemo.JournalMsg;
import dev.kabuki.examples.BlockingFileActorDemo.ReadAll;
import dev.kabuki.testkit.ActorTestKit;
import dev.kabuki.testkit.ActorTestKitExtension;
import dev.kabuki.testkit.TestProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocking journal of {@link BlockingFileActorDemo}. A blocking actor runs on real threads
 * even on a paused kit: the probe waits for its reply in real time, running the rest of the
 * system on the test's thread meanwhile.
 */
@ExtendWith(ActorTestKitExtension.class)
class BlockingFileActorDemoTest {

    @Test
    void appendsInOrderAndReadsBackWhatItWrote(ActorTestKit kit, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("journal.log");
        ActorRef<JournalMsg> journal = kit.spawn("journal", () -> new Journal(file));
        TestProbe<List<String>> probe = kit.createProbe();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            journal.tell(new Append("entry " + i));
            expected.add("entry " + i);
        }
        journal.tell(new ReadAll(probe.ref()));
        assertThat(probe.expectMessage(Duration.ofSeconds(10))).isEqualTo(expected);
        assertThat(Files.readAllLines(file)).isEqualTo(expected);
    }

    @Test
    void runsOnTheBlockingPool(ActorTestKit kit, @TempDir Path dir) {
        ActorRef<JournalMsg> journal = kit.spawn("journal", () -> new Journal(dir.resolve("j.log")));
        TestProbe<List<String>> probe = kit.createProbe();
        journal.tell(new Append("one"));
        journal.tell(new ReadAll(probe.ref()));
        probe.expectMessage(Duration.ofSeconds(10));
        assertThat(kit.system().metrics().blocking().liveThreads()).isPositive();
    }
}
