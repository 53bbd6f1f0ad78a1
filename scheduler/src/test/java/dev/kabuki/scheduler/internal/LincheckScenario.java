package dev.kabuki.scheduler.internal;

import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;

/**
 * Runs a small concurrent scenario under Lincheck's model checker (our stand-in for Tokio's
 * loom) and starts its threads so that Lincheck can see into them on JDK 25.
 *
 * <p>A scenario is a {@link Runnable}: it builds fresh state, starts two or three threads with
 * {@link #fork}, {@link #joinAll joins} them and asserts. Lincheck runs it once per invocation,
 * each time under a different interleaving of the threads' shared-memory accesses (every
 * volatile and VarHandle access, plain field and array access, park/unpark), and fails with
 * the first interleaving whose assertions throw, printed as a trace. The model is sequentially
 * consistent: reorderings allowed by the Java memory model are jcstress's job.
 *
 * <h2>Two things that do not work out of the box with Lincheck 3.7 on JDK 25</h2>
 * <ol>
 *   <li><b>{@code new Thread(runnable)}</b>: on JDK 21+ {@code Thread.run()} calls the runnable
 *       through {@code Thread.runWith(bindings, op)} (scoped values), and Lincheck 3.7 does not
 *       analyse code called from there: such a thread runs under Lincheck's scheduler, but none
 *       of its accesses is a switch point, so a two-thread {@code counter++} race passes 10,000
 *       invocations (it fails at once on JDK 17). {@link #fork} starts a {@link Thread}
 *       subclass whose own {@code run()} calls the body, which Lincheck does analyse.</li>
 *   <li><b>Loops longer than 10 iterations</b>: Lincheck takes a loop that runs more than
 *       {@code loopIterationsBeforeThreadSwitch} (10) times for a possible spin loop and forces
 *       a thread switch; if no other thread can run at that point (the main thread filling a
 *       queue before it forks), exploration silently stops after two or three invocations and
 *       the test passes without having checked anything (a scenario that fills a LocalRunQueue
 *       with 40 tasks ran 3 of 20,000 invocations, and a deliberately broken queue passed). A
 *       loop that runs more than {@code loopBound} (50) times is reported as a livelock ("The
 *       test has hung"). The public {@link Lincheck#runConcurrentTest(int, Runnable)} takes no
 *       settings, so {@link #check(int, int, Runnable)} calls the method it delegates to,
 *       {@code runConcurrentTestInternal} (Kotlin-internal, public in the bytecode), with both
 *       limits raised to twice the longest loop of the scenario, and otherwise the default
 *       settings (analyse the standard library, recursion bound 20). Only scenarios without
 *       spin-waits may raise them: a raised limit also delays the detection of real spin
 *       loops.</li>
 * </ol>
 * No extra JVM flags are needed beyond the parent pom's surefire {@code argLine}
 * ({@code -XX:+EnableDynamicAgentLoading}: Lincheck attaches its agent dynamically).
 */
final class LincheckScenario {
    /** Multiplies every test's invocation count: {@code -Dkabuki.lincheck.scale=10} for a long run. */
    private static final double SCALE = Double.parseDouble(
            System.getProperty("kabuki.lincheck.scale", "1"));

    private LincheckScenario() {
    }

    /** Model checks {@code scenario} for {@code invocations} interleavings, default settings. */
    static void check(int invocations, Runnable scenario) {
        Lincheck.runConcurrentTest(scaled(invocations), scenario);
    }

    /**
     * Model checks {@code scenario}, whose loops run up to {@code longestLoop} iterations
     * (loops that legitimately run longer than Lincheck's limits of 10 and 50; the scenario
     * must not spin-wait).
     */
    static void check(int invocations, int longestLoop, Runnable scenario) {
        LincheckSettings defaults = LincheckSettings.Companion.getDEFAULT();
        if (longestLoop < defaults.getLoopIterationsBeforeThreadSwitch()) {
            check(invocations, scenario);
            return;
        }
        // A limit of longestLoop + 1 is not enough (a 300-iteration loop needs at least 302:
        // Lincheck counts the loop's back edges and exit, too); twice leaves room.
        int limit = 2 * longestLoop + 2;
        LincheckSettings settings = new LincheckSettings(defaults.getAnalyzeStdLib(),
                Math.max(limit, defaults.getLoopIterationsBeforeThreadSwitch()),
                Math.max(limit, defaults.getLoopBound()), defaults.getRecursionBound());
        Lincheck.runConcurrentTestInternal$lincheck(scaled(invocations), settings, scenario);
    }

    private static int scaled(int invocations) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(invocations * SCALE)));
    }

    /** Starts a thread, inside a scenario, whose every access Lincheck sees. */
    static Thread fork(Runnable body) {
        Thread t = new ScenarioThread(body);
        t.start();
        return t;
    }

    /** Joins every thread; a scenario's main thread is never interrupted. */
    static void joinAll(Thread... threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError("the scenario's main thread was interrupted", e);
            }
        }
    }

    /** Overrides {@code run()} itself: see the class note on {@code Thread.runWith}. */
    private static final class ScenarioThread extends Thread {
        private final Runnable body;

        ScenarioThread(Runnable body) {
            this.body = body;
        }

        @Override
        public void run() {
            body.run();
        }
    }
}
