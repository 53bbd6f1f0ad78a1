package dev.kabuki.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.SupervisorStrategy;
import dev.kabuki.examples.SupervisionDemo.Count;
import dev.kabuki.examples.SupervisionDemo.Parse;
import dev.kabuki.examples.SupervisionDemo.Parser;
import dev.kabuki.examples.SupervisionDemo.ParserMsg;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.testkit.ActorFailure;
import dev.kabuki.testkit.ActorTestKit;
import dev.kabuki.testkit.ActorTestKitExtension;
import dev.kabuki.testkit.TestProbe;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The parser of {@link SupervisionDemo} under restart and resume supervision. The restart's
 * back-off runs on the kit's manual clock, so the test decides when it ends.
 */
@ExtendWith(ActorTestKitExtension.class)
class SupervisionDemoTest {
    private static final ActorOptions RESTART_AFTER_50_MS = ActorOptions.defaults().supervision(
            SupervisorStrategy.restart(3, Duration.ofMinutes(1), Duration.ofMillis(50), Duration.ofSeconds(1)));

    @Test
    void aRestartResetsTheStateAndWaitsForItsBackoff(ActorTestKit kit) {
        ActorRef<ParserMsg> parser = kit.spawn("restarting", Parser::new, RESTART_AFTER_50_MS);
        TestProbe<Integer> probe = kit.createProbe();
        parser.tell(new Parse("1"));
        parser.tell(new Parse("2"));
        parser.tell(new Parse("three"));   // throws: restart after a 50 ms back-off
        parser.tell(new Parse("4"));
        parser.tell(new Count(probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(49));   // suspended: the count waits
        kit.advance(Duration.ofMillis(1));
        probe.expectMessage(1);                         // only "4", counted by the fresh instance

        List<ActorFailure> failures = kit.expectFailures(1);
        assertThat(failures.get(0).message()).isEqualTo(new Parse("three"));
        assertThat(failures.get(0).cause()).startsWith("java.lang.NumberFormatException");
    }

    @Test
    void resumeKeepsTheState(ActorTestKit kit) {
        ActorRef<ParserMsg> parser = kit.spawn("resuming", Parser::new,
                ActorOptions.defaults().supervision(SupervisorStrategy.resume()));
        TestProbe<Integer> probe = kit.createProbe();
        for (String text : List.of("1", "2", "three", "4")) {
            parser.tell(new Parse(text));
        }
        parser.tell(new Count(probe.ref()));
        probe.expectMessage(3);
        kit.expectFailures(1);
    }

    @Test
    void anAskWhoseMessageMadeItThrowFailsWithTheParsersException(ActorTestKit kit) {
        ActorRef<ParserMsg> parser = kit.spawn("restarting", Parser::new, RESTART_AFTER_50_MS);
        JoinHandle<Integer> failing = parser.ask(r -> new Parse("oops"), Duration.ofSeconds(5));
        kit.runUntilIdle();
        assertThat(failing.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        assertThatThrownBy(failing::join).hasCauseInstanceOf(NumberFormatException.class);
        assertThat(kit.expectFailures(1)).extracting(ActorFailure::actor).containsExactly("/user/restarting");
    }
}
