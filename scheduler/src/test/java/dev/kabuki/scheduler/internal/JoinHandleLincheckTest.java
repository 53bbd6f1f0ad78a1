package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Model checks the completion state machine of {@link AbstractJoinHandle} through
 * {@link CallableTask} and {@link PromiseHandle}: the complete-vs-abort race.
 *
 * <p>Properties, each asserted after every explored interleaving:
 * <ul>
 *   <li>exactly one outcome wins, and an outcome once observed never changes;</li>
 *   <li>a task aborted before it starts never runs its body;</li>
 *   <li>if {@code abort()} returned true the outcome is CANCELLED (and only then);</li>
 *   <li>a thread that sees SUCCEEDED sees the body's value;</li>
 *   <li>the runner thread is not left interrupted after {@code run()} returns, even when it
 *       lost to an abort that interrupted it (the interrupt hand-shake);</li>
 *   <li>every {@code whenComplete} callback runs exactly once, with the final outcome.</li>
 * </ul>
 */
class JoinHandleLincheckTest {

    private static final int INVOCATIONS = 2_000;
    private static final int VALUE = 42;

    static {
        // Initialise the handle classes (and their logger) before Lincheck runs a scenario, so
        // that logging set-up is not part of the model-checked code.
        new PromiseHandle<Integer>(null).complete(0);
    }

    /** A body that counts how often it ran. */
    static final class Body implements Callable<Integer> {
        int calls;

        @Override
        public Integer call() {
            calls++;
            return VALUE;
        }
    }

    /** What the scenario's threads saw. */
    static final class Probe {
        /** Set by the aborter right after its abort() returned true. */
        volatile boolean abortReturnedTrue;
        /** Read by the runner just before it calls run(): the abort had already completed. */
        boolean abortCompletedBeforeRun;
        boolean abortWon;
        /** How many cancelling threads (aborter, timer) have finished. */
        final AtomicInteger cancellersDone = new AtomicInteger();
        boolean runnerInterruptedAfterRun;
        JoinHandle.Outcome seenFirst;
        JoinHandle.Outcome seenSecond;
        Object valueSeen;
        /** What a blocking join(Duration) returned or threw, as a string. */
        String joined;
    }

    /** A whenComplete callback that counts its calls and keeps what it was given. */
    static final class CountingCallback implements BiConsumer<Object, JoinException> {
        int calls;
        Object value;
        JoinException failure;

        @Override
        public void accept(Object v, JoinException e) {
            calls++;
            value = v;
            failure = e;
        }
    }

    /** A timer that never fires by itself: the scenario runs the scheduled action. */
    static final class ManualTimer implements Timer {
        Task action;
        int cancels;

        @Override
        public Cancellable schedule(Duration delay, Task action) {
            this.action = action;
            return () -> {
                cancels++;
                return true;
            };
        }
    }

    private static void fail(String message) {
        throw new AssertionError(message);
    }

    /** The outcome, checked to be terminal and consistent with what the observer saw. */
    private static JoinHandle.Outcome finalOutcome(JoinHandle<?> handle, Probe probe) {
        JoinHandle.Outcome outcome = handle.outcome();
        if (outcome == JoinHandle.Outcome.PENDING || !handle.isFinished()) {
            fail("handle still pending after every thread finished: " + outcome);
        }
        if (probe.seenFirst != null && probe.seenFirst != JoinHandle.Outcome.PENDING
                && probe.seenSecond != probe.seenFirst) {
            fail("outcome changed from " + probe.seenFirst + " to " + probe.seenSecond);
        }
        if (probe.seenSecond != null && probe.seenSecond != JoinHandle.Outcome.PENDING
                && probe.seenSecond != outcome) {
            fail("observer saw " + probe.seenSecond + " but the final outcome is " + outcome);
        }
        if (probe.seenFirst == JoinHandle.Outcome.SUCCEEDED
                && !Integer.valueOf(VALUE).equals(probe.valueSeen)) {
            fail("observer saw SUCCEEDED but join returned " + probe.valueSeen);
        }
        return outcome;
    }

    private static void assertCallbackRanOnce(CountingCallback cb, JoinHandle.Outcome outcome,
            String which) {
        if (cb.calls != 1) {
            fail(which + " whenComplete callback ran " + cb.calls + " times (expected once)");
        }
        boolean succeeded = outcome == JoinHandle.Outcome.SUCCEEDED;
        if (succeeded ? !Integer.valueOf(VALUE).equals(cb.value) || cb.failure != null
                : cb.value != null || cb.failure == null) {
            fail(which + " callback got (" + cb.value + ", " + cb.failure + ") for " + outcome);
        }
    }

    /**
     * The runner: runs the task, then waits until every cancelling thread has finished (as if
     * the worker went on to its next task) and records whether an interrupt meant for this
     * task is still pending on its thread, which would then hit that next task.
     */
    private static void runThenCheckInterrupt(CallableTask<Integer> task, Probe probe,
            int cancellers) {
        task.run();
        while (probe.cancellersDone.get() < cancellers) {
            Thread.onSpinWait();
        }
        probe.runnerInterruptedAfterRun = Thread.interrupted();
    }

    /** The aborter: aborts, publishes a successful abort, and says it is done. */
    private static void abortAndRecord(CallableTask<Integer> task, Probe probe) {
        probe.abortWon = task.abort();
        if (probe.abortWon) {
            probe.abortReturnedTrue = true;
        }
        probe.cancellersDone.incrementAndGet();
    }

    /** Reads the outcome twice and, if it saw SUCCEEDED, the value (join never blocks then). */
    private static void observe(JoinHandle<Integer> handle, Probe probe) {
        probe.seenFirst = handle.outcome();
        if (probe.seenFirst == JoinHandle.Outcome.SUCCEEDED) {
            probe.valueSeen = handle.join(Duration.ZERO);
        }
        probe.seenSecond = handle.outcome();
    }

    // Fails if run and abort can both win (two outcomes, or one that changes), if an abort that
    // returned true leaves any outcome but CANCELLED, if the body can start after an abort
    // completed (run() not checking NEW→RUNNING by CAS), if SUCCEEDED can be seen before the
    // value is written, if a callback registered concurrently is lost or run twice, or if the
    // runner is left interrupted (it clears its interrupt before the aborter has delivered it).
    @Test
    void runRacingAbortHasExactlyOneOutcome() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            Body body = new Body();
            CallableTask<Integer> task = new CallableTask<>(body, null);
            CountingCallback early = new CountingCallback();
            task.whenComplete(early);
            CountingCallback racing = new CountingCallback();
            Thread runner = fork(() -> {
                probe.abortCompletedBeforeRun = probe.abortReturnedTrue;
                runThenCheckInterrupt(task, probe, 1);
            });
            Thread aborter = fork(() -> abortAndRecord(task, probe));
            Thread observer = fork(() -> {
                task.whenComplete(racing);
                observe(task, probe);
            });
            joinAll(runner, aborter, observer);

            JoinHandle.Outcome outcome = finalOutcome(task, probe);
            if (probe.abortWon != (outcome == JoinHandle.Outcome.CANCELLED)) {
                fail("abort() returned " + probe.abortWon + " but the outcome is " + outcome);
            }
            if (body.calls > 1) {
                fail("body ran " + body.calls + " times");
            }
            if (probe.abortCompletedBeforeRun && body.calls != 0) {
                fail("body ran although abort() had returned true before run() was called");
            }
            if (outcome == JoinHandle.Outcome.SUCCEEDED && body.calls != 1) {
                fail("SUCCEEDED without the body having run");
            }
            if (probe.runnerInterruptedAfterRun) {
                fail("runner thread left interrupted after run() returned");
            }
            assertCallbackRanOnce(early, outcome, "early");
            assertCallbackRanOnce(racing, outcome, "racing");
        });
    }

    // Fails if the body can run although abort() completed before run() was called (run() not
    // deciding NEW→RUNNING by CAS, or the abort of a NEW task not by CAS on the same word), if
    // an abort that lost to the body still reports true, if the winning abort skips the
    // callbacks, or if the runner is left interrupted after losing to an abort (the aborter
    // clears INTERRUPTING before its interrupt is delivered, or the runner clears its interrupt
    // status without waiting for INTERRUPTING to clear). Two threads only, so that Lincheck
    // explores this race more deeply than the three-thread scenarios.
    @Test
    void abortBeforeStartNeverRunsTheBody() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            Body body = new Body();
            CallableTask<Integer> task = new CallableTask<>(body, null);
            CountingCallback cb = new CountingCallback();
            task.whenComplete(cb);
            Thread aborter = fork(() -> abortAndRecord(task, probe));
            Thread runner = fork(() -> {
                probe.abortCompletedBeforeRun = probe.abortReturnedTrue;
                runThenCheckInterrupt(task, probe, 1);
            });
            joinAll(aborter, runner);

            JoinHandle.Outcome outcome = finalOutcome(task, probe);
            if (probe.abortCompletedBeforeRun && body.calls != 0) {
                fail("body ran although abort() had returned true before run() was called");
            }
            if (probe.abortWon != (outcome == JoinHandle.Outcome.CANCELLED)) {
                fail("abort() returned " + probe.abortWon + " but the outcome is " + outcome);
            }
            if (!probe.abortWon && (body.calls != 1 || outcome != JoinHandle.Outcome.SUCCEEDED)) {
                fail("abort lost but the body ran " + body.calls + " times, outcome " + outcome);
            }
            if (probe.runnerInterruptedAfterRun) {
                fail("runner thread left interrupted after run() returned");
            }
            assertCallbackRanOnce(cb, outcome, "registered");
        });
    }

    // Fails if a join(Duration) waiting while the task is run and aborted returns or throws
    // anything but the final outcome (e.g. the winner storing the terminal phase before the
    // result, so that the waiter reports a null value), or if the runner is left interrupted.
    // Lincheck lets LockSupport.park return spuriously (see ParkerLincheckTest), so a waiter
    // that is never unparked still re-reads the state here: lost wake-ups of joiners are not
    // in this test's reach.
    @Test
    void joinWithTimeoutRacingRunAndAbortReportsTheOutcome() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            Body body = new Body();
            CallableTask<Integer> task = new CallableTask<>(body, null);
            Thread joiner = fork(() -> probe.joined = joinedAsString(task));
            Thread aborter = fork(() -> abortAndRecord(task, probe));
            Thread runner = fork(() -> runThenCheckInterrupt(task, probe, 1));
            joinAll(joiner, aborter, runner);

            JoinHandle.Outcome outcome = finalOutcome(task, probe);
            String expectedJoin = outcome == JoinHandle.Outcome.SUCCEEDED ? "value " + VALUE
                    : "cancelled";
            if (!expectedJoin.equals(probe.joined)) {
                fail("join(Duration) gave '" + probe.joined + "' for outcome " + outcome);
            }
            if (probe.runnerInterruptedAfterRun) {
                fail("runner thread left interrupted after run() returned");
            }
        });
    }

    /** A join with a generous timeout, reported as a string. */
    private static String joinedAsString(JoinHandle<Integer> handle) {
        try {
            return "value " + handle.join(Duration.ofSeconds(30));
        } catch (TaskCancelledException e) {
            return "cancelled";
        } catch (JoinException e) {
            return e.toString();
        }
    }

    // Fails if abort and the orTimeout action (a second canceller, on the timer thread) can both
    // win, if the winner's outcome does not match its return value, if the runner is left
    // interrupted by either, or if orTimeout's own whenComplete (cancel the timer) runs other
    // than exactly once.
    @Test
    void runAbortAndTimeoutHaveExactlyOneWinner() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            Body body = new Body();
            ManualTimer timer = new ManualTimer();
            CallableTask<Integer> task = new CallableTask<>(body, timer);
            task.orTimeout(Duration.ofSeconds(1));
            Task timeoutAction = timer.action;
            Thread runner = fork(() -> runThenCheckInterrupt(task, probe, 2));
            Thread aborter = fork(() -> abortAndRecord(task, probe));
            Thread timerThread = fork(() -> {
                timeoutAction.run();
                probe.cancellersDone.incrementAndGet();
            });
            joinAll(runner, aborter, timerThread);

            JoinHandle.Outcome outcome = finalOutcome(task, probe);
            if (probe.abortWon != (outcome == JoinHandle.Outcome.CANCELLED)) {
                fail("abort() returned " + probe.abortWon + " but the outcome is " + outcome);
            }
            if (outcome == JoinHandle.Outcome.SUCCEEDED && body.calls != 1) {
                fail("SUCCEEDED but the body ran " + body.calls + " times");
            }
            if (body.calls > 1) {
                fail("body ran " + body.calls + " times");
            }
            if (probe.runnerInterruptedAfterRun) {
                fail("runner thread left interrupted after run() returned (outcome " + outcome
                        + ")");
            }
            if (timer.cancels != 1) {
                fail("orTimeout's timer cancel ran " + timer.cancels + " times (expected once)");
            }
        });
    }

    // Fails if two of complete, fail and abort can all return true (two CAS winners), if the
    // outcome does not match the one that returned true, or if join then reports another
    // outcome than the winner's (value or exception written after the terminal state).
    @Test
    void completeFailAndAbortFromThreeThreadsExactlyOneWins() {
        check(INVOCATIONS, () -> {
            PromiseHandle<Integer> promise = new PromiseHandle<>(null);
            RuntimeException cause = new IllegalStateException("boom");
            boolean[] won = new boolean[3];
            CountingCallback cb = new CountingCallback();
            promise.whenComplete(cb);
            Thread completer = fork(() -> won[0] = promise.complete(VALUE));
            Thread failer = fork(() -> won[1] = promise.fail(cause));
            Thread aborter = fork(() -> won[2] = promise.abort());
            joinAll(completer, failer, aborter);

            int winners = (won[0] ? 1 : 0) + (won[1] ? 1 : 0) + (won[2] ? 1 : 0);
            if (winners != 1) {
                fail(winners + " of complete/fail/abort returned true: "
                        + Arrays.toString(won));
            }
            JoinHandle.Outcome expected = won[0] ? JoinHandle.Outcome.SUCCEEDED
                    : won[1] ? JoinHandle.Outcome.FAILED : JoinHandle.Outcome.CANCELLED;
            JoinHandle.Outcome outcome = promise.outcome();
            if (outcome != expected) {
                fail("winner implies " + expected + " but the outcome is " + outcome);
            }
            Object joined;
            try {
                joined = promise.join(Duration.ZERO);
            } catch (TaskFailedException e) {
                joined = e.getCause() == cause ? "failed(boom)" : e;
            } catch (TaskCancelledException e) {
                joined = "cancelled";
            }
            Object expectedJoin = won[0] ? (Object) VALUE : won[1] ? "failed(boom)" : "cancelled";
            if (!expectedJoin.equals(joined)) {
                fail("join returned " + joined + ", expected " + expectedJoin);
            }
            assertCallbackRanOnce(cb, outcome, "registered");
        });
    }
}
