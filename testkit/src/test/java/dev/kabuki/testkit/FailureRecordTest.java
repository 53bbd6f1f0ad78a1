package dev.kabuki.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.SupervisorStrategy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The kit records what its actors throw: in receive (any actor) and in hooks (kit.spawn). */
class FailureRecordTest {
    private final ActorTestKit kit = ActorTestKit.create();

    @AfterEach
    void tearDown() {
        ActorTestKitExtension.closeAndCheck(kit, Duration.ofSeconds(5));
    }

    @Test
    void aFailureInReceiveIsRecordedWithItsMessage() {
        ActorRef<String> parser = kit.spawn("parser", () -> (ctx, m) -> Integer.parseInt(m));
        parser.tell("1");
        parser.tell("x");
        List<ActorFailure> failures = kit.expectFailures(1);
        assertThat(failures).containsExactly(new ActorFailure("/user/parser", "receive", "x",
                "java.lang.NumberFormatException: For input string: \"x\""));
        assertThat(failures.get(0)).hasToString(
                "/user/parser failed in receive of x: java.lang.NumberFormatException: For input string: \"x\"");
        assertThat(kit.failures()).isEmpty(); // taken
    }

    @Test
    void aFailureOfAChildIsRecordedToo() {
        kit.spawn("parent", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.<String>spawn("child", () -> (c, m) -> {
                    throw new IllegalStateException("child says no");
                }).tell("hello");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }
        });
        assertThat(kit.expectFailures(1)).extracting(ActorFailure::actor).containsExactly("/user/parent/child");
    }

    @Test
    void failuresInLifecycleHooksOfSpawnedActorsAreRecordedAndStillSupervised() {
        TestProbe<String> probe = kit.createProbe();
        kit.spawn("bad-start", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                throw new IllegalStateException("cannot start");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onStop(ActorContext<String> ctx) {
                probe.tell("stopped");
            }
        }, ActorOptions.defaults().supervision(SupervisorStrategy.stop()));
        probe.expectMessage("stopped"); // the stop strategy saw the onStart failure
        assertThat(kit.expectFailures(1)).containsExactly(
                new ActorFailure("/user/bad-start", "onStart", null, "java.lang.IllegalStateException: cannot start"));
    }

    @Test
    void aFailureInOnStopIsRecorded() {
        ActorRef<String> ref = kit.spawn("bad-stop", () -> new Actor<String>() {
            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onStop(ActorContext<String> ctx) throws Exception {
                throw new java.io.IOException("flush failed"); // a checked exception passes through unchanged
            }
        });
        kit.system().stop(ref);
        kit.createProbe().expectTerminated(ref);
        assertThat(kit.expectFailures(1)).extracting(ActorFailure::during, ActorFailure::cause)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("onStop", "java.io.IOException: flush failed"));
    }

    @Test
    void expectFailuresSaysWhatWasRecordedWhenTheCountIsWrong() {
        // resume: the default restart would hold "b" back for its back-off, on the manual clock
        ActorRef<String> parser = kit.spawn("parser", () -> (ctx, m) -> Integer.parseInt(m),
                ActorOptions.defaults().supervision(SupervisorStrategy.resume()));
        parser.tell("a");
        parser.tell("b");
        kit.runUntilIdle();
        assertThatThrownBy(() -> kit.expectFailures(1))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("expected 1 actor failure(s) within 3 s, got 2: [/user/parser failed in receive of a:");
        kit.clearFailures();
        assertThat(kit.failures()).isEmpty();
    }

    @Test
    void problemsAfterCloseListsFailuresNotTaken() {
        ActorRef<String> parser = kit.spawn("parser", () -> (ctx, m) -> Integer.parseInt(m));
        parser.tell("z");
        kit.runUntilIdle();
        kit.close();
        assertThat(kit.shutdownReport().clean()).isTrue();
        assertThat(kit.problemsAfterClose(Duration.ofSeconds(5))).singleElement().asString()
                .startsWith("1 actor failure(s) recorded (take expected ones with kit.expectFailures(n) or"
                        + " kit.clearFailures()): [/user/parser failed in receive of z:");
        kit.clearFailures();
    }
}
