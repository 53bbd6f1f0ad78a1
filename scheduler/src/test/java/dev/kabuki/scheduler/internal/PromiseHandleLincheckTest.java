package dev.kabuki.scheduler.internal;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Checks that {@link PromiseHandle} is linearizable: every concurrent history of complete, fail,
 * abort, timeOut, whenComplete and reads can be explained by some sequential order of the same
 * calls on one promise. The sequential specification is the operations class itself, run on
 * one thread; a validation function checks after every scenario that each callback ran exactly
 * once.
 *
 * <p>This is Lincheck's classic data-structure mode: it generates random scenarios (3 threads
 * of 3 operations, plus operations before and after), model checks each under many
 * interleavings, and compares the results with every sequential order. It complements the
 * hand-written scenarios of {@link JoinHandleLincheckTest}: there the properties are asserted
 * directly; here Lincheck searches the combinations itself. The threads are Lincheck's own, so
 * the JDK 25 {@code Thread.runWith} blind spot described in {@link LincheckScenario} does not
 * apply.
 */
class PromiseHandleLincheckTest {
    private static final IllegalStateException CAUSE = new IllegalStateException("boom");

    static {
        // Initialise the handle classes (and their logger) outside the model-checked code.
        new PromiseHandle<Integer>(null).complete(0);
    }

    /**
     * Operations on one promise. The read, {@link #outcome()}, first waits out the short
     * COMPLETING window of a completion in progress: see {@link WithReadsThatDoNotWait} for why.
     */
    @Param(name = "value", gen = IntGen.class, conf = "1:2")
    public static class PromiseOperations {
        /** Calls of the construction-time hook, and callbacks that ran before it had run. */
        private final AtomicInteger hookCalls = new AtomicInteger();
        private final AtomicInteger callbacksBeforeHook = new AtomicInteger();
        final PromiseHandle<Integer> promise = new PromiseHandle<>(null, (v, e) -> hookCalls.incrementAndGet());
        /** How many callbacks {@link #whenComplete()} registered, and how many calls they got. */
        private final AtomicInteger callbacksRegistered = new AtomicInteger();
        private final AtomicInteger callbackCalls = new AtomicInteger();

        @Operation
        public boolean complete(@Param(name = "value") int value) {
            return promise.complete(value);
        }

        @Operation
        public boolean fail() {
            return promise.fail(CAUSE);
        }

        @Operation
        public boolean abort() {
            return promise.abort();
        }

        @Operation
        public boolean timeOut() {
            return promise.timeOut("timed out");
        }

        @Operation
        public void whenComplete() {
            callbacksRegistered.incrementAndGet();
            promise.whenComplete((v, e) -> {
                if (hookCalls.get() != 1) {
                    callbacksBeforeHook.incrementAndGet();
                }
                callbackCalls.incrementAndGet();
            });
        }

        /** The outcome and what join reports, once no completion is half-way. */
        @Operation
        public String outcome() {
            while ((promise.stateVolatile() & AbstractJoinHandle.PHASE)
                    == AbstractJoinHandle.COMPLETING) {
                Thread.onSpinWait();
            }
            return read(promise);
        }

        /**
         * After every scenario: each registered callback ran exactly once if the promise
         * completed, and none ran if it did not; the construction-time hook ran exactly once
         * if it completed, before every callback.
         */
        @Validate
        public void everyCallbackRanExactlyOnce() {
            if (hookCalls.get() != (promise.isFinished() ? 1 : 0) || callbacksBeforeHook.get() != 0) {
                throw new AssertionError(hookCalls.get() + " hook calls, " + callbacksBeforeHook.get()
                        + " callbacks before the hook, promise " + promise.outcome());
            }
            int expected = promise.isFinished() ? callbacksRegistered.get() : 0;
            if (callbackCalls.get() != expected) {
                throw new AssertionError(callbackCalls.get() + " callback calls for "
                        + callbacksRegistered.get() + " callbacks registered, promise "
                        + promise.outcome());
            }
        }
    }

    /**
     * The same operations plus a read that does not wait. Not linearizable today:
     * {@code AbstractJoinHandle.tryComplete} (behind complete and fail) returns false as soon as
     * its CAS from NEW fails, also while the winner is still COMPLETING (it has not yet stored
     * the terminal phase), so a thread can see {@code fail() == false} and then
     * {@code outcome() == PENDING}: no sequential promise allows that order. {@code cancelWith}
     * (behind abort and timeOut) waits out COMPLETING; tryComplete does not.
     */
    public static class WithReadsThatDoNotWait extends PromiseOperations {
        @Operation
        public String outcomeNow() {
            return read(promise);
        }
    }

    /** The outcome and what join would report, as one string. */
    static String read(PromiseHandle<Integer> promise) {
        JoinHandle.Outcome outcome = promise.outcome();
        if (outcome == JoinHandle.Outcome.PENDING) {
            return "PENDING";
        }
        try {
            return outcome + " value=" + promise.join(Duration.ZERO);
        } catch (TaskFailedException e) {
            return outcome + " cause=" + e.getCause().getMessage();
        } catch (JoinException e) {
            return outcome + " " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions()
                .iterations(20)
                .invocationsPerIteration(300)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(2);
    }

    // Fails if two of complete/fail/abort/timeOut can both return true, if an outcome can
    // change after a read saw it, if join can report a value or cause other than the winner's
    // (e.g. the terminal phase stored before the result), since no sequential order explains
    // such results; or if a whenComplete callback racing the completion is lost or runs twice
    // (the validation function).
    @Test
    void promiseIsLinearizable() {
        options().check(PromiseOperations.class);
    }

    // Fails if complete() or fail() can return false while the winning completion is still
    // COMPLETING, so that a read starting after it sees PENDING (see WithReadsThatDoNotWait).
    // It caught exactly that in tryComplete, which now waits out COMPLETING before it returns.
    @Test
    void losingCompleteIsFollowedByTheWinnersOutcome() {
        options().check(WithReadsThatDoNotWait.class);
    }
}
