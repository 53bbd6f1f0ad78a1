package dev.kabuki.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorTerminatedException;
import dev.kabuki.examples.CounterActorDemo.Counter;
import dev.kabuki.examples.CounterActorDemo.CounterMsg;
import dev.kabuki.examples.CounterActorDemo.Get;
import dev.kabuki.examples.CounterActorDemo.Increment;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.testkit.ActorTestKit;
import dev.kabuki.testkit.ActorTestKitExtension;
import dev.kabuki.testkit.TestProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The counter of {@link CounterActorDemo}, tested with a probe as the reply address. */
@ExtendWith(ActorTestKitExtension.class)
class CounterActorDemoTest {

    @Test
    void countsWhatItIsToldAndRepliesToGet(ActorTestKit kit) {
        ActorRef<CounterMsg> counter = kit.spawn("counter", Counter::new);
        TestProbe<Integer> probe = kit.createProbe();
        counter.tell(new Get(probe.ref()));
        probe.expectMessage(0);
        counter.tell(new Increment(5));
        counter.tell(new Increment(2));
        counter.tell(new Get(probe.ref()));
        probe.expectMessage(7);
        probe.expectNoMessage();
    }

    @Test
    void askAfterStopFailsAtOnceWithTheActorTerminated(ActorTestKit kit) {
        ActorRef<CounterMsg> counter = kit.spawn("counter", Counter::new);
        TestProbe<Integer> probe = kit.createProbe();
        kit.system().stop(counter);
        probe.expectTerminated(counter);

        JoinHandle<Integer> tooLate = counter.ask(Get::new, Duration.ofSeconds(30));
        kit.runUntilIdle(); // no clock movement: the failure is immediate, not the 30 s timeout
        assertThat(tooLate.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        try {
            tooLate.join();
        } catch (TaskFailedException e) {
            assertThat(e.getCause()).isInstanceOf(ActorTerminatedException.class)
                    .hasMessageContaining("/user/counter");
        }
    }
}
