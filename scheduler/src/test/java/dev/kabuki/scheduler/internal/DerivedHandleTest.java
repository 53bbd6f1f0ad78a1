package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinHandle.Outcome;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of {@link JoinHandle#map}, {@link JoinHandle#flatMap} and {@link JoinHandle#recover}
 * ({@link DerivedHandle}): each outcome of the source, the function throwing, already finished
 * sources, and abort and timeout passed on to the source and to flatMap's inner handle.
 */
class DerivedHandleTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final TimingWheel timer = new TimingWheel(r -> new Thread(r, "derived-timer"));
    private final WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
            .context(new RuntimeContext("derived", ThreadHooks.NONE, timer)).build();

    @AfterEach
    void tearDown() {
        timer.close();
        d.shutdown(Duration.ofSeconds(5));
    }

    // ---------------------------------------------------------------- map

    @Test
    void mapAppliesTheFunctionWhenTheSourceSucceeds() {
        Promise<Integer> p = d.promise();
        JoinHandle<String> m = p.map(v -> "v=" + v);
        assertThat(m.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(p.complete(42)).isTrue();
        assertThat(m.outcome()).isEqualTo(Outcome.SUCCEEDED); // completed by complete() itself
        assertThat(m.join()).isEqualTo("v=42");
    }

    @Test
    void mapOfASpawnedTask() {
        assertThat(d.spawn(() -> "kabuki").map(String::length).join(LONG)).isEqualTo(6);
    }

    @Test
    void mapRunsOnTheThreadThatCompletesTheSource() throws Exception {
        Promise<Integer> p = d.promise();
        AtomicReference<String> ranOn = new AtomicReference<>();
        JoinHandle<Integer> m = p.map(v -> {
            ranOn.set(Thread.currentThread().getName());
            return v;
        });
        Thread completer = new Thread(() -> p.complete(1), "the-completer");
        completer.start();
        completer.join(30_000);
        assertThat(m.join(LONG)).isEqualTo(1);
        assertThat(ranOn.get()).isEqualTo("the-completer");
    }

    @Test
    void mapOfAFinishedSourceRunsAtOnceOnTheCallingThread() {
        Promise<Integer> p = d.promise();
        p.complete(20);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        JoinHandle<Integer> m = p.map(v -> {
            ranOn.set(Thread.currentThread());
            return v + 1;
        });
        assertThat(m.isFinished()).isTrue();
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(m.join()).isEqualTo(21);
    }

    @Test
    void mapOfAFailedSourceFailsWithTheSameCauseAndNeverRunsTheFunction() {
        IOException boom = new IOException("disk on fire");
        AtomicInteger calls = new AtomicInteger();
        JoinHandle<Object> source = d.spawn(() -> {
            throw boom;
        });
        JoinHandle<Object> m = source.map(v -> calls.incrementAndGet());
        assertThatThrownBy(() -> m.join(LONG)).isInstanceOf(TaskFailedException.class)
                .hasCause(boom).hasMessage("task failed: " + boom);
        assertThat(m.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(calls).hasValue(0);
    }

    @Test
    void mapOfACancelledSourceIsCancelledWithTheSameMessage() {
        PromiseHandle<Integer> p = new PromiseHandle<>(timer);
        JoinHandle<Integer> m = p.map(v -> v + 1);
        p.cancel("the user changed their mind");
        assertThat(m.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThatThrownBy(m::join).isInstanceOf(TaskCancelledException.class)
                .hasMessage("the user changed their mind");
    }

    @Test
    void mapOfATimedOutSourceTimesOutWithTheSameMessage() {
        Promise<Integer> p = d.promise();
        JoinHandle<Integer> m = p.map(v -> v + 1);
        p.orTimeout(Duration.ofMillis(20));
        assertThatThrownBy(() -> m.join(LONG)).isInstanceOf(TaskTimeoutException.class)
                .hasMessage("task timed out after 20 ms");
        assertThat(m.outcome()).isEqualTo(Outcome.TIMED_OUT);
    }

    @Test
    void mapFunctionThatThrowsFailsTheDerivedHandleWithThatException() {
        Promise<Integer> p = d.promise();
        IllegalArgumentException bad = new IllegalArgumentException("no odd numbers");
        JoinHandle<Integer> m = p.map(v -> {
            throw bad;
        });
        p.complete(3);
        assertThatThrownBy(m::join).isInstanceOf(TaskFailedException.class).hasCause(bad);
        assertThat(p.outcome()).isEqualTo(Outcome.SUCCEEDED); // the source is not affected
    }

    @Test
    void nullFunctionIsRefusedAtOnce() {
        Promise<Integer> p = d.promise();
        assertThatThrownBy(() -> p.map(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.flatMap(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.recover(null)).isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- flatMap

    @Test
    void flatMapFollowsTheInnerHandle() {
        Promise<Integer> p = d.promise();
        JoinHandle<Integer> f = p.flatMap(v -> d.spawn(() -> v * 2));
        p.complete(21);
        assertThat(f.join(LONG)).isEqualTo(42);
    }

    @Test
    void flatMapTakesTheInnerHandlesFailureCancellationAndTimeout() {
        IOException boom = new IOException("inner");
        PromiseHandle<String> failing = new PromiseHandle<>(timer);
        PromiseHandle<String> cancelled = new PromiseHandle<>(timer);
        PromiseHandle<String> timedOut = new PromiseHandle<>(timer);
        List<JoinHandle<String>> derived = new ArrayList<>();
        for (PromiseHandle<String> inner : List.of(failing, cancelled, timedOut)) {
            Promise<Integer> p = d.promise();
            derived.add(p.flatMap(v -> inner));
            p.complete(1);
        }
        failing.fail(boom);
        cancelled.cancel("inner cancelled");
        timedOut.timeOut("inner timed out");
        assertThatThrownBy(derived.get(0)::join).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThatThrownBy(derived.get(1)::join).isInstanceOf(TaskCancelledException.class)
                .hasMessage("inner cancelled");
        assertThatThrownBy(derived.get(2)::join).isInstanceOf(TaskTimeoutException.class)
                .hasMessage("inner timed out");
    }

    @Test
    void flatMapOfAFailedSourceFailsWithTheSameCauseAndNeverRunsTheFunction() {
        PromiseHandle<Integer> p = new PromiseHandle<>(timer);
        AtomicInteger calls = new AtomicInteger();
        JoinHandle<Integer> f = p.flatMap(v -> {
            calls.incrementAndGet();
            return d.spawn(() -> v);
        });
        IOException boom = new IOException("source");
        p.fail(boom);
        assertThatThrownBy(f::join).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThat(calls).hasValue(0);
    }

    @Test
    void flatMapFunctionReturningNullFailsWithAnExplanation() {
        Promise<Integer> p = d.promise();
        JoinHandle<Integer> f = p.flatMap(v -> null);
        p.complete(1);
        assertThatThrownBy(f::join).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(NullPointerException.class)
                .hasMessageContaining("flatMap returned null");
    }

    @Test
    void flatMapFunctionThatThrowsFailsTheDerivedHandleWithThatException() {
        Promise<Integer> p = d.promise();
        IllegalStateException bad = new IllegalStateException("no");
        JoinHandle<Integer> f = p.flatMap(v -> {
            throw bad;
        });
        p.complete(1);
        assertThatThrownBy(f::join).isInstanceOf(TaskFailedException.class).hasCause(bad);
    }

    // ---------------------------------------------------------------- recover

    @Test
    void recoverPassesAValueThroughWithoutRunningTheFunction() {
        AtomicInteger calls = new AtomicInteger();
        JoinHandle<Integer> r = d.spawn(() -> 7).recover(e -> calls.incrementAndGet());
        assertThat(r.join(LONG)).isEqualTo(7);
        assertThat(calls).hasValue(0);
    }

    @Test
    void recoverTurnsFailureCancellationAndTimeoutIntoAValue() {
        List<JoinException> seen = new ArrayList<>();
        IOException boom = new IOException("boom");
        PromiseHandle<String> failed = new PromiseHandle<>(timer);
        PromiseHandle<String> cancelled = new PromiseHandle<>(timer);
        Promise<String> timedOut = d.promise();
        JoinHandle<String> r1 = failed.recover(e -> record(seen, e, "fallback-1"));
        JoinHandle<String> r2 = cancelled.recover(e -> record(seen, e, "fallback-2"));
        JoinHandle<String> r3 = timedOut.recover(e -> record(seen, e, "fallback-3"));
        failed.fail(boom);
        cancelled.abort();
        timedOut.orTimeout(Duration.ofMillis(10));
        assertThat(r1.join()).isEqualTo("fallback-1");
        assertThat(r2.join()).isEqualTo("fallback-2");
        assertThat(r3.join(LONG)).isEqualTo("fallback-3");
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThat(seen.get(1)).isInstanceOf(TaskCancelledException.class);
        assertThat(seen.get(2)).isInstanceOf(TaskTimeoutException.class);
    }

    @Test
    void recoverFunctionThatThrowsFailsTheDerivedHandleWithThatException() {
        PromiseHandle<String> p = new PromiseHandle<>(timer);
        JoinHandle<String> r = p.recover(e -> {
            throw new IllegalStateException("still broken", e);
        });
        p.fail(new IOException("first"));
        assertThatThrownBy(r::join).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("still broken");
    }

    // ---------------------------------------------------------------- abort and timeout

    // Fails if abort() of a derived handle is not passed on to the source (the source stays
    // pending and a later complete() wins there), or if the function runs after the abort.
    @Test
    void abortingAPendingDerivedHandleAbortsTheSource() {
        for (String kind : List.of("map", "flatMap", "recover")) {
            Promise<Integer> p = d.promise();
            AtomicInteger calls = new AtomicInteger();
            JoinHandle<Integer> h = derive(kind, p, calls);
            assertThat(h.abort()).as(kind).isTrue();
            assertThat(h.outcome()).as(kind).isEqualTo(Outcome.CANCELLED);
            assertThat(p.outcome()).as(kind + ": source").isEqualTo(Outcome.CANCELLED);
            assertThat(p.complete(1)).as(kind).isFalse();
            assertThat(calls).as(kind + ": function calls").hasValue(0);
            assertThat(h.abort()).as(kind + ": second abort").isFalse();
        }
    }

    @Test
    void abortingADerivedHandleInterruptsTheRunningSourceTask() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        JoinHandle<String> task = d.spawn(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return "discarded";
        });
        JoinHandle<Integer> m = task.map(String::length);
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(m.abort()).isTrue();
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(task.outcome()).isEqualTo(Outcome.CANCELLED);
    }

    @Test
    void abortIsPassedDownAChainToItsRoot() {
        Promise<Integer> root = d.promise();
        JoinHandle<String> last = root.map(v -> v + 1).recover(e -> -1).map(String::valueOf);
        assertThat(last.abort()).isTrue();
        assertThat(root.outcome()).isEqualTo(Outcome.CANCELLED);
    }

    @Test
    void abortingADerivedHandleAfterTheSourceFinishedLeavesTheSourceAlone() {
        Promise<Integer> p = d.promise();
        JoinHandle<Integer> m = p.map(v -> v + 1);
        p.complete(1);
        assertThat(m.abort()).isFalse();
        assertThat(m.join()).isEqualTo(2);
        assertThat(p.outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void flatMapAbortedBeforeTheSourceFinishesAbortsTheSourceAndNeverRunsTheFunction() {
        Promise<Integer> p = d.promise();
        AtomicInteger calls = new AtomicInteger();
        JoinHandle<Integer> f = p.flatMap(v -> {
            calls.incrementAndGet();
            return d.spawn(() -> v);
        });
        assertThat(f.abort()).isTrue();
        assertThat(p.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(calls).hasValue(0);
    }

    // Fails if, once flatMap has handed over to the inner handle, an abort of the derived handle
    // still goes to the (finished) source only, leaving the inner work running.
    @Test
    void flatMapAbortedAfterTheHandOverAbortsTheInnerHandleAndNotTheSource() {
        Promise<Integer> p = d.promise();
        PromiseHandle<String> inner = new PromiseHandle<>(timer);
        JoinHandle<String> f = p.flatMap(v -> inner);
        p.complete(1);
        assertThat(f.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(f.abort()).isTrue();
        assertThat(inner.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(p.outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void orTimeoutOnADerivedHandleTimesItOutAndAbortsTheSource() {
        Promise<Integer> p = d.promise();
        JoinHandle<Integer> m = p.map(v -> v + 1).orTimeout(Duration.ofMillis(30));
        assertThatThrownBy(() -> m.join(LONG)).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("timed out after 30 ms");
        assertThatThrownBy(() -> p.join(LONG)).isInstanceOf(TaskCancelledException.class);
        assertThat(p.complete(1)).isFalse();
    }

    @Test
    void orTimeoutOnAFlatMapTimesOutTheInnerHandleOnceHandedOver() {
        Promise<Integer> p = d.promise();
        Promise<String> inner = d.promise();
        JoinHandle<String> f = p.flatMap(v -> inner);
        p.complete(1);
        f.orTimeout(Duration.ofMillis(30));
        assertThatThrownBy(() -> f.join(LONG)).isInstanceOf(TaskTimeoutException.class);
        assertThatThrownBy(() -> inner.join(LONG)).isInstanceOf(TaskCancelledException.class);
        assertThat(p.outcome()).isEqualTo(Outcome.SUCCEEDED);
    }

    @Test
    void derivedHandleOfAHandleWithoutTimerRefusesOrTimeout() {
        JoinHandle<Integer> m = new PromiseHandle<Integer>(null).map(v -> v);
        assertThatThrownBy(() -> m.orTimeout(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no timer");
    }

    @Test
    void derivedHandleOfACurrentThreadTaskFailsFastWhenJoinedOutsideBlockOn() {
        CurrentThreadDispatcher ct = new CurrentThreadDispatcher("derived-ct", timer);
        try {
            JoinHandle<Integer> m = ct.spawn(() -> 1).map(v -> v + 1);
            assertThatThrownBy(m::join).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outside blockOn");
            assertThat(ct.blockOn(() -> m.join())).isEqualTo(2);
        } finally {
            ct.shutdown(Duration.ofSeconds(5));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String record(List<JoinException> seen, JoinException e, String value) {
        seen.add(e);
        return value;
    }

    /** A handle derived from {@code p} by {@code kind}, counting the function's calls. */
    private JoinHandle<Integer> derive(String kind, Promise<Integer> p, AtomicInteger calls) {
        return switch (kind) {
            case "map" -> p.map(v -> calls.incrementAndGet());
            case "flatMap" -> p.flatMap(v -> {
                calls.incrementAndGet();
                return d.spawn(() -> v);
            });
            default -> p.recover(e -> calls.incrementAndGet());
        };
    }
}
