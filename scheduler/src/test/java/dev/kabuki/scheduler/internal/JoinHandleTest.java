package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinInterruptedException;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JoinHandleTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final TimingWheel timer = new TimingWheel(r -> new Thread(r, "test-timer"));
    private final WorkStealingDispatcher dispatcher = WorkStealingDispatcher.builder()
            .workerThreads(2).context(new RuntimeContext("jh", ThreadHooks.NONE, timer)).build();

    @AfterEach
    void tearDown() {
        timer.close();
        dispatcher.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void joinReturnsTheValue() {
        assertThat(dispatcher.spawn(() -> 6 * 7).join()).isEqualTo(42);
    }

    @Test
    void nullValueIsAValue() {
        JoinHandle<Object> h = dispatcher.spawn(() -> null);
        assertThat(h.join()).isNull();
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.SUCCEEDED);
    }

    @Test
    void exceptionBecomesTheCauseOfTaskFailedException() {
        IOException boom = new IOException("disk on fire");
        JoinHandle<Object> h = dispatcher.spawn(() -> {
            throw boom;
        });
        assertThatThrownBy(h::join).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
    }

    @Test
    void errorsAreCapturedToo() {
        JoinHandle<Object> h = dispatcher.spawn(() -> {
            throw new StackOverflowError("deep");
        });
        assertThatThrownBy(h::join).isInstanceOf(TaskFailedException.class)
                .hasCauseInstanceOf(StackOverflowError.class);
    }

    @Test
    void abortBeforeStartNeverRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bothBusy = new CountDownLatch(2);
        // Occupy both workers so the next task stays queued.
        List<JoinHandle<Void>> blockers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            blockers.add(dispatcher.spawn(() -> {
                bothBusy.countDown();
                awaitUninterruptibly(release);
            }));
        }
        assertThat(bothBusy.await(30, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ran = new AtomicBoolean();
        JoinHandle<Void> queued = dispatcher.spawn(() -> ran.set(true));
        assertThat(queued.abort()).isTrue();
        assertThat(queued.abort()).isFalse();
        release.countDown();
        for (JoinHandle<Void> b : blockers) {
            b.join(LONG);
        }
        // Once the queue has drained the aborted task has been dequeued and skipped.
        JoinHandle<Void> after = dispatcher.spawn(() -> { });
        after.join(LONG);
        awaitAliveZero();
        assertThat(ran).isFalse();
        assertThat(queued.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        assertThatThrownBy(queued::join).isInstanceOf(TaskCancelledException.class);
    }

    @Test
    void abortOfARunningTaskInterruptsItAndReportsCancelled() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch sawInterrupt = new CountDownLatch(1);
        JoinHandle<String> h = dispatcher.spawn(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                sawInterrupt.countDown();
            }
            return "late value, discarded";
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(h.abort()).isTrue();
        assertThat(sawInterrupt.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(h::join).isInstanceOf(TaskCancelledException.class);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
    }

    @Test
    void interruptOfAnAbortedTaskDoesNotLeakIntoTheNextTask() throws Exception {
        WorkStealingDispatcher one = WorkStealingDispatcher.builder().workerThreads(1)
                .context(RuntimeContext.named("leak")).build();
        try {
            for (int i = 0; i < 200; i++) {
                CountDownLatch started = new CountDownLatch(1);
                JoinHandle<Void> victim = one.spawn(() -> {
                    started.countDown();
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.onSpinWait();
                    }
                });
                JoinHandle<Boolean> next = one.spawn(() -> Thread.currentThread().isInterrupted());
                assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
                victim.abort();
                assertThat(next.join(LONG)).as("round %d", i).isFalse();
            }
        } finally {
            one.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void joinWithTimeoutIsADistinctOutcomeAndLeavesTheTaskRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        JoinHandle<String> h = dispatcher.spawn(() -> {
            awaitUninterruptibly(release);
            return "done";
        });
        assertThatThrownBy(() -> h.join(Duration.ofMillis(20)))
                .isInstanceOf(JoinTimeoutException.class)
                .hasMessageContaining("still running");
        assertThat(h.isFinished()).isFalse();
        release.countDown();
        assertThat(h.join(LONG)).isEqualTo("done");
    }

    @Test
    void orTimeoutCompletesAsTimedOutAndInterruptsTheTask() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        JoinHandle<String> h = dispatcher.spawn(() -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return "never";
        }).orTimeout(Duration.ofMillis(30));
        assertThatThrownBy(() -> h.join(LONG)).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("timed out after 30 ms");
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.TIMED_OUT);
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void orTimeoutDoesNothingWhenTheTaskFinishesFirst() {
        JoinHandle<Integer> h = dispatcher.spawn(() -> 1).orTimeout(Duration.ofSeconds(10));
        assertThat(h.join(LONG)).isEqualTo(1);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.SUCCEEDED);
    }

    @Test
    void callbacksRunOnceInRegistrationOrderAndAThrowingOneDoesNotStopOthers() throws Exception {
        PromiseHandle<String> p = new PromiseHandle<>(timer);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        p.whenComplete((v, e) -> seen.add("a:" + v));
        p.whenComplete((v, e) -> {
            throw new IllegalStateException("callback bug");
        });
        p.whenComplete((v, e) -> seen.add("b:" + v));
        assertThat(p.complete("x")).isTrue();
        assertThat(p.complete("y")).isFalse();
        p.whenComplete((v, e) -> seen.add("late:" + v)); // already complete: runs at once
        assertThat(seen).containsExactly("a:x", "b:x", "late:x");
    }

    @Test
    void callbackGetsTheJoinExceptionOnFailure() {
        PromiseHandle<String> p = new PromiseHandle<>(timer);
        AtomicReference<Throwable> got = new AtomicReference<>();
        p.whenComplete((v, e) -> got.set(e));
        IOException cause = new IOException("x");
        p.fail(cause);
        assertThat(got.get()).isInstanceOf(TaskFailedException.class).hasCause(cause);
    }

    @Test
    void toCompletableFutureCarriesValueAndFailureAndCancelAborts() throws Exception {
        assertThat(dispatcher.spawn(() -> "v").toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo("v");
        CompletableFuture<Object> failed = dispatcher.spawn(() -> {
            throw new IOException("nope");
        }).toCompletableFuture();
        assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TaskFailedException.class);
        PromiseHandle<String> p = new PromiseHandle<>(timer);
        p.toCompletableFuture().cancel(true);
        assertThat(p.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
    }

    @Test
    void joinOnACoreWorkerFailsFastWithAnExplanation() {
        PromiseHandle<String> never = new PromiseHandle<>(timer);
        JoinHandle<String> h = dispatcher.spawn(() -> never.join());
        assertThatThrownBy(() -> h.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("core worker thread 'jh-worker-")
                .hasMessageContaining("spawnBlocking");
    }

    @Test
    void joinOnACoreWorkerOfAFinishedHandleIsFine() {
        PromiseHandle<String> done = new PromiseHandle<>(timer);
        done.complete("ready");
        assertThat(dispatcher.spawn(() -> done.join()).join(LONG)).isEqualTo("ready");
    }

    @Test
    void everyWorkerJoiningAtOnceNeitherDeadlocksNorStarvesTheRuntime() {
        // Each of many tasks tries to block on a pending handle from a worker: all fail fast,
        // and the runtime still runs new work afterwards.
        PromiseHandle<String> never = new PromiseHandle<>(timer);
        List<JoinHandle<String>> joiners = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            joiners.add(dispatcher.spawn(() -> never.join()));
        }
        for (JoinHandle<String> j : joiners) {
            assertThatThrownBy(() -> j.join(LONG)).hasCauseInstanceOf(IllegalStateException.class);
        }
        assertThat(dispatcher.spawn(() -> "alive").join(LONG)).isEqualTo("alive");
    }

    @Test
    void joinIsInterruptible() throws Exception {
        PromiseHandle<String> never = new PromiseHandle<>(timer);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagRestored = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                never.join();
            } catch (Throwable e) {
                thrown.set(e);
                flagRestored.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        t.interrupt();
        t.join(30_000);
        assertThat(thrown.get()).isInstanceOf(JoinInterruptedException.class);
        assertThat(flagRestored).isTrue();
    }

    @Test
    void promiseFirstCompletionWins() {
        PromiseHandle<String> p = new PromiseHandle<>(timer);
        assertThat(p.fail(new IOException("first"))).isTrue();
        assertThat(p.complete("second")).isFalse();
        assertThat(p.abort()).isFalse();
        assertThatThrownBy(p::join).isInstanceOf(TaskFailedException.class).hasMessageContaining("first");
    }

    @Test
    void manyJoinersAreAllWoken() throws Exception {
        PromiseHandle<Integer> p = new PromiseHandle<>(timer);
        int n = 16;
        AtomicInteger sum = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> sum.addAndGet(p.join()));
            t.start();
            threads.add(t);
        }
        p.complete(2);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(sum.get()).isEqualTo(2 * n);
    }

    private void awaitAliveZero() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (dispatcher.metrics().aliveTasks() != 0) {
            assertThat(System.nanoTime() - deadline).as("alive tasks drain").isNegative();
            Thread.onSpinWait();
        }
    }

    static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
