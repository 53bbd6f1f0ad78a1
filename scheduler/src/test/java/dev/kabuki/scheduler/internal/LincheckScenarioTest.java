package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

/**
 * Canaries for the model-checking harness itself: each runs a scenario with a known lost
 * update and asserts that Lincheck finds it. They fail if a Lincheck or JDK upgrade (or a
 * change to {@link LincheckScenario}) makes the model checker blind again, in which case every
 * other Lincheck test in this module would pass without checking anything.
 */
class LincheckScenarioTest {

    /** A plain counter, incremented without synchronisation. */
    static final class Counter {
        int value;
    }

    private static void racyIncrements(Counter counter) {
        Thread a = fork(() -> counter.value++);
        Thread b = fork(() -> counter.value++);
        joinAll(a, b);
        if (counter.value != 2) {
            throw new AssertionError("lost update: " + counter.value);
        }
    }

    // Fails if the threads a scenario forks are not analysed: on JDK 25 a plain
    // new Thread(runnable) is not (see LincheckScenario), and this race would go unnoticed.
    @Test
    void findsARaceBetweenForkedThreads() {
        assertThatThrownBy(() -> check(1_000, () -> racyIncrements(new Counter())))
                .isInstanceOf(LincheckAssertionError.class)
                .hasMessageContaining("lost update");
    }

    // Fails if a scenario that runs a long loop before it forks is not explored any more: with
    // Lincheck's default loop limits exploration stops after two or three invocations (see
    // LincheckScenario), which is why the LocalRunQueue overflow test raises them.
    @Test
    void findsARaceAfterALongLoopWithRaisedLoopLimits() {
        final int longLoop = 300;
        assertThatThrownBy(() -> check(1_000, longLoop, () -> {
            Counter warmUp = new Counter();
            for (int i = 0; i < longLoop; i++) {
                warmUp.value++;
            }
            racyIncrements(new Counter());
        })).isInstanceOf(LincheckAssertionError.class).hasMessageContaining("lost update");
    }
}
