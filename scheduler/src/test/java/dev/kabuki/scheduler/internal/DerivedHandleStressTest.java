package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinHandle.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Many threads race on the same handles, on real hardware (the Lincheck tests explore a
 * sequentially consistent model; this one runs the real memory model): several threads
 * complete each source while several others abort the handle derived from it.
 */
class DerivedHandleStressTest {
    private static final int HANDLES = 50_000;
    private static final int COMPLETERS = 3;
    private static final int ABORTERS = 3;

    // Fails if two completers or two aborters both win, if a winning derived abort returns
    // before the source is finished (the abort not passed on), if the source is aborted
    // although the derived handle succeeded, if a derived handle whose abort won leaves a source that
    // was then completed by nobody, if the function runs twice or for an aborted source, or if
    // a derived callback is lost or run twice; every count is exact.
    @Test
    void sourceCompletingWhileDerivedIsAbortedHasExactlyOneOutcome() throws Exception {
        List<PromiseHandle<Integer>> sources = new ArrayList<>(HANDLES);
        List<JoinHandle<Integer>> derived = new ArrayList<>(HANDLES);
        AtomicIntegerArray fnCalls = new AtomicIntegerArray(HANDLES);
        AtomicIntegerArray callbackCalls = new AtomicIntegerArray(HANDLES);
        for (int i = 0; i < HANDLES; i++) {
            int index = i;
            PromiseHandle<Integer> source = new PromiseHandle<>(null);
            JoinHandle<Integer> d = source.map(v -> {
                fnCalls.incrementAndGet(index);
                return v + 1;
            });
            d.whenComplete((v, e) -> callbackCalls.incrementAndGet(index));
            sources.add(source);
            derived.add(d);
        }
        AtomicIntegerArray completeWins = new AtomicIntegerArray(HANDLES);
        AtomicIntegerArray abortWins = new AtomicIntegerArray(HANDLES);
        AtomicIntegerArray sourcePendingAfterAbort = new AtomicIntegerArray(HANDLES);
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < COMPLETERS + ABORTERS; t++) {
            boolean completer = t < COMPLETERS;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < HANDLES; i++) {
                        if (completer) {
                            if (sources.get(i).complete(i)) {
                                completeWins.incrementAndGet(i);
                            }
                        } else if (derived.get(i).abort()) {
                            abortWins.incrementAndGet(i);
                            // The abort is passed on before abort() returns: the source has
                            // been aborted by it, or had been completed first.
                            if (!sources.get(i).isFinished()) {
                                sourcePendingAfterAbort.incrementAndGet(i);
                            }
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            }, (completer ? "completer-" : "aborter-") + t);
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
        }
        assertThat(error.get()).isNull();

        int sourcesCompleted = 0;
        int sourcesAborted = 0;
        int abortsWon = 0;
        for (int i = 0; i < HANDLES; i++) {
            Outcome s = sources.get(i).outcome();
            Outcome d = derived.get(i).outcome();
            String at = "handle " + i + ": source " + s + ", derived " + d;
            assertThat(completeWins.get(i)).as(at).isEqualTo(s == Outcome.SUCCEEDED ? 1 : 0);
            assertThat(abortWins.get(i)).as(at).isEqualTo(d == Outcome.CANCELLED ? 1 : 0);
            assertThat(s).as(at).isIn(Outcome.SUCCEEDED, Outcome.CANCELLED);
            assertThat(d).as(at).isIn(Outcome.SUCCEEDED, Outcome.CANCELLED);
            if (s == Outcome.CANCELLED) {
                assertThat(d).as(at + ": source aborted only by a winning derived abort")
                        .isEqualTo(Outcome.CANCELLED);
                assertThat(fnCalls.get(i)).as(at + ": function calls").isZero();
                sourcesAborted++;
            } else {
                sourcesCompleted++;
            }
            if (d == Outcome.SUCCEEDED) {
                assertThat(derived.get(i).join(Duration.ZERO)).as(at).isEqualTo(i + 1);
                assertThat(fnCalls.get(i)).as(at + ": function calls").isEqualTo(1);
            } else {
                abortsWon++;
            }
            assertThat(fnCalls.get(i)).as(at + ": function calls").isLessThanOrEqualTo(1);
            assertThat(callbackCalls.get(i)).as(at + ": callback calls").isEqualTo(1);
            assertThat(sourcePendingAfterAbort.get(i)).as(at + ": source still pending after a"
                    + " winning derived abort returned").isZero();
        }
        assertThat(sourcesCompleted + sourcesAborted).isEqualTo(HANDLES);
        assertThat(abortsWon).isGreaterThanOrEqualTo(sourcesAborted);
    }
}
