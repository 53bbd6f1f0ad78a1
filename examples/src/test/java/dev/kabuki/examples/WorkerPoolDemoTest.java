package dev.kabuki.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.Router;
import dev.kabuki.actors.Routers;
import dev.kabuki.examples.WorkerPoolDemo.Count;
import dev.kabuki.examples.WorkerPoolDemo.Report;
import dev.kabuki.examples.WorkerPoolDemo.Tally;
import dev.kabuki.examples.WorkerPoolDemo.WordCounter;
import dev.kabuki.examples.WorkerPoolDemo.WordMsg;
import dev.kabuki.testkit.ActorTestKit;
import dev.kabuki.testkit.ActorTestKitExtension;
import dev.kabuki.testkit.TestProbe;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The word counters of {@link WorkerPoolDemo}, behind a round-robin pool, with a probe. */
@ExtendWith(ActorTestKitExtension.class)
class WorkerPoolDemoTest {

    @Test
    void aRoundRobinPoolSharesTheLinesAndABroadcastCollectsEveryTally(ActorTestKit kit) {
        Router<WordMsg> pool = Routers.pool(3, WordCounter::new).withRoundRobinRouting()
                .spawn(kit.system(), "counters");
        kit.runUntilIdle(); // the pool's routees start
        for (int i = 0; i < 9; i++) {
            pool.tell(new Count("one two three"));
        }
        TestProbe<Tally> probe = kit.createProbe();
        pool.broadcast(new Report(probe.ref()));
        List<Tally> tallies = probe.receiveMessages(3);
        assertThat(tallies).extracting(Tally::lines).containsOnly(3);
        assertThat(tallies).extracting(Tally::words).containsOnly(9);
        assertThat(tallies).extracting(Tally::counter).doesNotHaveDuplicates();
        probe.expectNoMessage();
    }
}
