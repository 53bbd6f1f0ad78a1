package dev.kabuki.testkit;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: gives each test a fresh {@link ActorTestKit} as a parameter, closes it after the
 * test, and fails the test if the kit was left in a bad state.
 *
 * <pre>{@code
 * @ExtendWith(ActorTestKitExtension.class)
 * class CounterTest {
 *     @Test
 *     void countsWhatItIsTold(ActorTestKit kit) {
 *         ActorRef<CounterMsg> counter = kit.spawn("counter", Counter::new);
 *         TestProbe<Integer> probe = kit.createProbe();
 *         counter.tell(new Increment(5));
 *         counter.tell(new Get(probe.ref()));
 *         probe.expectMessage(5);
 *     }
 * }
 * }</pre>
 *
 * <p>With {@code @ExtendWith} the kit is a paused one ({@link ActorTestKit#create()}); register
 * {@link #realTime()} with {@code @RegisterExtension} for real-time kits. A
 * {@code @BeforeEach} method that takes an {@code ActorTestKit} gets the same kit as the test.
 *
 * <p>After each test the kit is closed, and the test fails (an {@link AssertionError} listing
 * every problem; added as suppressed if the test had already failed) if:
 * <ul>
 *   <li>an actor threw and the test did not take the failure with
 *       {@link ActorTestKit#expectFailures(int)} or {@link ActorTestKit#clearFailures()};</li>
 *   <li>the shutdown was not clean ({@code ShutdownReport.clean()} is false: an actor that did not
 *       stop, a task abandoned or interrupted);</li>
 *   <li>a thread of the kit ({@code testkit-N-...}) is still alive 5 s after the close.</li>
 * </ul>
 *
 * <p>Thread-safe: JUnit may call it for tests running in parallel; each test has its own kit.
 */
public final class ActorTestKitExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ActorTestKitExtension.class);
    /** How long after the close the kit's threads may take to end. */
    static final Duration THREAD_GRACE = Duration.ofSeconds(5);

    private final Supplier<ActorTestKit> factory;

    /** Paused kits ({@link ActorTestKit#create()}): the form {@code @ExtendWith} uses. */
    public ActorTestKitExtension() {
        this(ActorTestKit::create);
    }

    private ActorTestKitExtension(Supplier<ActorTestKit> factory) {
        this.factory = factory;
    }

    /**
     * An extension that gives real-time kits ({@link ActorTestKit#createRealTime()}), for
     * {@code @RegisterExtension static final ActorTestKitExtension KIT = ActorTestKitExtension.realTime();}.
     */
    public static ActorTestKitExtension realTime() {
        return new ActorTestKitExtension(ActorTestKit::createRealTime);
    }

    /** Resolves parameters of type {@link ActorTestKit} of test and lifecycle methods. */
    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ActorTestKit.class;
    }

    /**
     * The test's kit, made on first use.
     *
     * @throws ParameterResolutionException asked for outside a test method (a constructor or a
     *                                      {@code @BeforeAll} method): a kit belongs to one test
     */
    @Override
    public ActorTestKit resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (extensionContext.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("an ActorTestKit belongs to one test: take it as a parameter"
                    + " of the @Test or @BeforeEach method, not of " + parameterContext.getDeclaringExecutable());
        }
        return extensionContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent(ActorTestKit.class, k -> factory.get(), ActorTestKit.class);
    }

    /**
     * Closes the test's kit, if it made one, and fails the test if the kit was left in a bad
     * state (see the class comment). Blocks until the system has shut down and its threads have
     * ended, or 5 s more at most.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        ActorTestKit kit = context.getStore(NAMESPACE).remove(ActorTestKit.class, ActorTestKit.class);
        if (kit == null) {
            return;
        }
        closeAndCheck(kit, THREAD_GRACE);
    }

    /** Closes the kit and throws an {@link AssertionError} listing what is wrong, if anything. */
    static void closeAndCheck(ActorTestKit kit, Duration threadGrace) {
        kit.close();
        List<String> problems = kit.problemsAfterClose(threadGrace);
        if (!problems.isEmpty()) {
            throw new AssertionError("the test left its ActorTestKit (" + kit.name() + ") in a bad state:\n  - "
                    + String.join("\n  - ", problems));
        }
    }
}
