package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinHandle.Outcome;
import dev.kabuki.scheduler.internal.JoinHandleLincheckTest.CountingCallback;
import dev.kabuki.scheduler.internal.JoinHandleLincheckTest.ManualTimer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Model checks {@link DerivedHandle} (map, flatMap, recover) in the race between the source
 * completing and the derived handle being aborted or timing out.
 *
 * <p>Properties, each asserted after every explored interleaving:
 * <ul>
 *   <li>the derived handle has exactly one outcome, and its abort returned true iff it is
 *       CANCELLED;</li>
 *   <li>the source is aborted (CANCELLED) only if the derived abort or timeout won: a derived
 *       handle that completed from the source never aborts it;</li>
 *   <li>the function runs at most once, and never once the source has been aborted;</li>
 *   <li>for flatMap, an abort that wins never leaves the inner handle running: it aborts the
 *       source while pending, or the inner handle once handed over (the function ran);</li>
 *   <li>a callback on the derived handle runs exactly once.</li>
 * </ul>
 * The model is sequentially consistent: see {@link LincheckScenario}.
 */
class DerivedHandleLincheckTest {
    private static final int INVOCATIONS = 2_000;
    private static final int VALUE = 42;

    static {
        // Initialise the handle classes (and their loggers) outside the model-checked code.
        new PromiseHandle<Integer>(null).map(v -> v).abort();
        new PromiseHandle<Integer>(null).flatMap(v -> new PromiseHandle<Integer>(null)).abort();
    }

    /** What the scenario's threads report. */
    static final class Probe {
        boolean sourceCompleted;
        boolean derivedAborted;
        /** Calls of the function; only the source's completing thread runs it. */
        int fnCalls;
        /** The aborter's abort() returned true while the source was still pending. */
        boolean sourcePendingAfterAbort;
    }

    private static void fail(String message) {
        throw new AssertionError(message);
    }

    // Fails if a winning abort of the derived handle returns with the source still pending
    // (not passed on), if an abort that lost to the source still aborts the source (the
    // source cancelled though the derived handle succeeded), if the
    // derived handle takes two outcomes, if the function runs for an aborted source or twice,
    // or if a derived callback racing the completion is lost or run twice.
    @Test
    void mapSourceCompletingWhileDerivedIsAbortedHasExactlyOneOutcome() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            PromiseHandle<Integer> source = new PromiseHandle<>(null);
            JoinHandle<Integer> derived = source.map(v -> {
                probe.fnCalls++;
                return v + 1;
            });
            CountingCallback cb = new CountingCallback();
            derived.whenComplete(cb);
            Thread completer = fork(() -> probe.sourceCompleted = source.complete(VALUE));
            Thread aborter = fork(() -> {
                probe.derivedAborted = derived.abort();
                probe.sourcePendingAfterAbort = probe.derivedAborted && !source.isFinished();
            });
            joinAll(completer, aborter);

            Outcome d = derived.outcome();
            Outcome s = source.outcome();
            assertAbortRace(probe, s, d, Outcome.CANCELLED);
            if (d == Outcome.SUCCEEDED && !Integer.valueOf(VALUE + 1).equals(derived.join(Duration.ZERO))) {
                fail("derived SUCCEEDED with " + derived.join(Duration.ZERO));
            }
            if (d == Outcome.SUCCEEDED && probe.fnCalls != 1) {
                fail("derived SUCCEEDED but the function ran " + probe.fnCalls + " times");
            }
            if (cb.calls != 1) {
                fail("derived callback ran " + cb.calls + " times");
            }
        });
    }

    // The same race with recover over a failing source: a lost abort leaves the fallback value.
    @Test
    void recoverSourceFailingWhileDerivedIsAbortedHasExactlyOneOutcome() {
        IllegalStateException boom = new IllegalStateException("boom");
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            PromiseHandle<Integer> source = new PromiseHandle<>(null);
            JoinHandle<Integer> derived = source.recover(e -> {
                probe.fnCalls++;
                return -1;
            });
            Thread failer = fork(() -> probe.sourceCompleted = source.fail(boom));
            Thread aborter = fork(() -> probe.derivedAborted = derived.abort());
            joinAll(failer, aborter);

            Outcome d = derived.outcome();
            Outcome s = source.outcome();
            if (probe.sourceCompleted != (s == Outcome.FAILED)) {
                fail("fail() returned " + probe.sourceCompleted + " but the source is " + s);
            }
            if (s == Outcome.CANCELLED && !probe.derivedAborted) {
                fail("source aborted although the derived abort returned false");
            }
            if (probe.derivedAborted != (d == Outcome.CANCELLED)) {
                fail("derived abort() returned " + probe.derivedAborted + " but derived is " + d);
            }
            if (d == Outcome.SUCCEEDED && (probe.fnCalls != 1 || derived.join(Duration.ZERO) != -1)) {
                fail("derived SUCCEEDED after " + probe.fnCalls + " function calls");
            }
            if (s == Outcome.CANCELLED && probe.fnCalls != 0) {
                fail("the function ran for an aborted source");
            }
        });
    }

    // The derived handle's own timeout instead of abort: fails if a timeout that lost aborts
    // the source, or one that won leaves it to be completed (the timeout not passed on).
    @Test
    void mapSourceCompletingWhileDerivedTimesOutHasExactlyOneOutcome() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            ManualTimer timer = new ManualTimer();
            PromiseHandle<Integer> source = new PromiseHandle<>(timer);
            JoinHandle<Integer> derived = source.map(v -> {
                probe.fnCalls++;
                return v + 1;
            });
            derived.orTimeout(Duration.ofSeconds(1));
            Task fire = timer.action; // hands itself off, which by default runs it at once
            Thread completer = fork(() -> probe.sourceCompleted = source.complete(VALUE));
            Thread timerThread = fork(() -> {
                fire.run();
                probe.sourcePendingAfterAbort = derived.outcome() == Outcome.TIMED_OUT
                        && !source.isFinished();
            });
            joinAll(completer, timerThread);

            Outcome d = derived.outcome();
            Outcome s = source.outcome();
            probe.derivedAborted = d == Outcome.TIMED_OUT;
            assertAbortRace(probe, s, d, Outcome.TIMED_OUT);
            if (timer.cancels != 1) {
                fail("the timeout's timer cancel ran " + timer.cancels + " times");
            }
        });
    }

    // Fails if the flatMap hand-over can lose an abort: the aborter reads the source as
    // upstream (already finished, so its abort does nothing) while the hand-over does not see
    // the abort, and the inner handle is left running with nobody to cancel it.
    @Test
    void flatMapHandOverRacingAbortNeverLeavesTheInnerHandleRunning() {
        check(INVOCATIONS, () -> {
            Probe probe = new Probe();
            PromiseHandle<Integer> source = new PromiseHandle<>(null);
            PromiseHandle<Integer> inner = new PromiseHandle<>(null);
            JoinHandle<Integer> derived = source.flatMap(v -> {
                probe.fnCalls++;
                return inner;
            });
            Thread completer = fork(() -> probe.sourceCompleted = source.complete(VALUE));
            Thread aborter = fork(() -> probe.derivedAborted = derived.abort());
            joinAll(completer, aborter);

            Outcome d = derived.outcome();
            Outcome s = source.outcome();
            Outcome i = inner.outcome();
            if (!probe.derivedAborted || d != Outcome.CANCELLED) {
                fail("nothing completes the inner handle, yet abort() returned "
                        + probe.derivedAborted + " and derived is " + d);
            }
            if (probe.fnCalls == 1) {
                if (i != Outcome.CANCELLED || s != Outcome.SUCCEEDED) {
                    fail("handed over but the inner handle is " + i + ", source " + s);
                }
            } else if (probe.fnCalls != 0 || i != Outcome.PENDING) {
                fail("function ran " + probe.fnCalls + " times, inner " + i);
            } else if (s == Outcome.CANCELLED == probe.sourceCompleted) {
                // Not handed over: the abort reached the source while pending (CANCELLED), or
                // the source completed after the abort had won and before it was passed on.
                fail("complete() returned " + probe.sourceCompleted + " but the source is " + s);
            }
        });
    }

    /**
     * The common properties of a source completing with a value while the derived handle is
     * cancelled with {@code lostTo} (CANCELLED by abort, or TIMED_OUT).
     */
    private static void assertAbortRace(Probe probe, Outcome s, Outcome d, Outcome lostTo) {
        if (d != Outcome.SUCCEEDED && d != lostTo) {
            fail("derived is " + d);
        }
        if (probe.derivedAborted != (d == lostTo)) {
            fail("derived abort returned " + probe.derivedAborted + " but derived is " + d);
        }
        if (probe.sourceCompleted != (s == Outcome.SUCCEEDED)) {
            fail("complete() returned " + probe.sourceCompleted + " but the source is " + s);
        }
        if (s != Outcome.SUCCEEDED && s != Outcome.CANCELLED) {
            fail("source is " + s);
        }
        if (s == Outcome.CANCELLED && !probe.derivedAborted) {
            fail("source aborted although the derived handle succeeded");
        }
        if (d == Outcome.SUCCEEDED && s != Outcome.SUCCEEDED) {
            fail("derived SUCCEEDED from a source that is " + s);
        }
        if (probe.sourcePendingAfterAbort) {
            fail("the derived handle's " + lostTo + " won but the source was still pending"
                    + " after it: not passed on");
        }
        if (probe.fnCalls > 1 || (s == Outcome.CANCELLED && probe.fnCalls != 0)) {
            fail("the function ran " + probe.fnCalls + " times, source " + s);
        }
    }
}
