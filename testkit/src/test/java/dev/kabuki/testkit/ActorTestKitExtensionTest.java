package dev.kabuki.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.kabuki.actors.ActorRef;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The extension as a user's build runs it: the fixture classes below are run by the JUnit
 * Platform launcher (Surefire does not run static nested classes on its own), and the outcome of
 * each of their tests is checked here.
 */
class ActorTestKitExtensionTest {

    /** Test outcomes by method name, from one launcher run of a class. */
    private static Map<String, TestExecutionResult> run(Class<?> testClass) {
        Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            results.put(id.getDisplayName().replace("(ActorTestKit)", "").replace("()", ""), result);
                        }
                    }
                });
        return results;
    }

    private static String failureMessage(TestExecutionResult result) {
        Optional<Throwable> t = result.getThrowable();
        return t.map(Throwable::getMessage).orElse("");
    }

    @Test
    void failsATestWhoseActorThrewAndPassesACleanOne() {
        Map<String, TestExecutionResult> results = run(Fixtures.class);
        assertThat(results).containsOnlyKeys("clean", "actorThrew", "failureTakenOnPurpose", "sameKitInBeforeEach");
        assertThat(results.get("clean").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(results.get("failureTakenOnPurpose").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(results.get("sameKitInBeforeEach").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        TestExecutionResult threw = results.get("actorThrew");
        assertThat(threw.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(failureMessage(threw))
                .startsWith("the test left its ActorTestKit (testkit-")
                .contains("1 actor failure(s) recorded")
                .contains("/user/parser failed in receive of x: java.lang.NumberFormatException");
    }

    @Test
    void aRegisteredRealTimeExtensionGivesRealTimeKits() {
        Map<String, TestExecutionResult> results = run(RealTimeFixtures.class);
        assertThat(results.get("realTime").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    }

    @Test
    void aKitCannotBeAskedForInAConstructor() {
        Map<String, TestExecutionResult> results = run(ConstructorFixture.class);
        assertThat(results.get("never").getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(failureMessage(results.get("never"))).startsWith("an ActorTestKit belongs to one test");
    }

    // ------------------------------------------------------------------ fixtures

    /** Run only through {@link #run}: one test here fails on purpose. */
    @ExtendWith(ActorTestKitExtension.class)
    static class Fixtures {
        private ActorTestKit fromBeforeEach;

        @BeforeEach
        void setUp(ActorTestKit kit) {
            fromBeforeEach = kit;
        }

        @Test
        void clean(ActorTestKit kit) {
            ActorRef<String> echo = kit.spawn("echo", () -> (ctx, m) -> { });
            echo.tell("hello");
            kit.runUntilIdle();
        }

        @Test
        void actorThrew(ActorTestKit kit) {
            kit.<String>spawn("parser", () -> (ctx, m) -> Integer.parseInt(m)).tell("x");
            kit.runUntilIdle();
        }

        @Test
        void failureTakenOnPurpose(ActorTestKit kit) {
            kit.<String>spawn("parser", () -> (ctx, m) -> Integer.parseInt(m)).tell("x");
            kit.expectFailures(1);
        }

        @Test
        void sameKitInBeforeEach(ActorTestKit kit) {
            if (kit != fromBeforeEach || !kit.isPaused()) {
                throw new AssertionError("expected the @BeforeEach kit, paused");
            }
        }
    }

    /** Run only through {@link #run}. */
    static class RealTimeFixtures {
        @RegisterExtension
        static final ActorTestKitExtension KIT = ActorTestKitExtension.realTime();

        @Test
        void realTime(ActorTestKit kit) {
            if (kit.isPaused()) {
                throw new AssertionError("expected a real-time kit");
            }
            TestProbe<String> probe = kit.createProbe();
            probe.tell("hi");
            probe.expectMessage("hi");
        }
    }

    /** Run only through {@link #run}: its constructor asks for a kit, which is refused. */
    @ExtendWith(ActorTestKitExtension.class)
    static class ConstructorFixture {
        ConstructorFixture(ActorTestKit kit) {
        }

        @Test
        void never() {
        }
    }
}
