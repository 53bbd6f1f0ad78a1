package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class WorkStealingDispatcherTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    static WorkStealingDispatcher dispatcher(int workers, String prefix) {
        return WorkStealingDispatcher.builder().workerThreads(workers)
                .context(RuntimeContext.named(prefix)).build();
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static Set<String> threadsNamed(String prefix) {
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void workerThreadsAreNamedAndCountedFromTheBuilder() {
        WorkStealingDispatcher d = dispatcher(3, "named");
        try {
            assertThat(d.workerCount()).isEqualTo(3);
            assertThat(threadsNamed("named-worker-")).containsExactlyInAnyOrder(
                    "named-worker-0", "named-worker-1", "named-worker-2");
            assertThat(d.spawn(() -> Thread.currentThread().getName()).join(LONG)).startsWith("named-worker-");
        } finally {
            d.shutdown(LONG);
        }
    }

    @Test
    void environmentVariableOverridesTheDefaultButNotTheBuilder() {
        Map<String, String> env = Map.of("KABUKI_WORKER_THREADS", "3");
        assertThat(WorkStealingDispatcher.builder().environment(env::get).resolvedWorkerThreads()).isEqualTo(3);
        assertThat(WorkStealingDispatcher.builder().environment(env::get).workerThreads(5)
                .resolvedWorkerThreads()).isEqualTo(5);
        assertThat(WorkStealingDispatcher.builder().environment(k -> null).resolvedWorkerThreads())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(WorkStealingDispatcher.builder().environment(Map.of("KABUKI_WORKER_THREADS", " 2 ")::get)
                .resolvedWorkerThreads()).isEqualTo(2);
    }

    @Test
    void badEnvironmentValuesFailFastNamingTheVariableAndTheValue() {
        for (String bad : List.of("0", "-4", "abc", "", "1.5", "99999999999", "40000")) {
            assertThatThrownBy(() -> WorkStealingDispatcher.builder()
                    .environment(Map.of("KABUKI_WORKER_THREADS", bad)::get).build())
                    .as("value '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("KABUKI_WORKER_THREADS")
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void busyWaitIsValidatedNamingTheSetting() {
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().busyWait(Duration.ofNanos(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busyWait");
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().busyWait(Duration.ofMillis(11)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busyWait")
                .hasMessageContaining("10 ms");
    }

    /**
     * Fails if a searcher that found the only task wakes another worker anyway (Tokio's rule,
     * changed here): in a request/response exchange from outside, each request would then cost
     * two wake-ups and two parks instead of one.
     */
    @Test
    void aRequestResponseFromOutsideWakesOneWorkerPerRequest() {
        int n = 2_000;
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
                .context(RuntimeContext.named("pingpong")).busyWait(Duration.ZERO).build();
        try {
            await("both workers parked", () -> d.metrics().parkedWorkers() == 2);
            long parksBefore = d.metrics().parks();
            for (int i = 0; i < n; i++) {
                int v = i;
                assertThat(d.spawn(() -> v).join()).isEqualTo(v);
            }
            await("both workers parked again", () -> d.metrics().parkedWorkers() == 2);
            long parks = d.metrics().parks() - parksBefore;
            assertThat(parks).as("parks for %d sequential requests", n).isLessThanOrEqualTo(n * 3L / 2);
        } finally {
            d.shutdown(LONG);
        }
    }

    /** Fails if the busy-waiting searcher keeps a worker running once the work is done. */
    @Test
    void anIdleRuntimeParksEveryWorkerDespiteTheBusyWait() {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
                .context(RuntimeContext.named("busywait")).busyWait(Duration.ofMillis(10)).build();
        try {
            for (int i = 0; i < 100; i++) {
                d.spawn(() -> { }).join();
            }
            await("both workers parked", () -> d.metrics().parkedWorkers() == 2
                    && d.metrics().searchingWorkers() == 0);
        } finally {
            d.shutdown(LONG);
        }
    }

    @Test
    void builderRejectsBadValuesNamingTheSetting() {
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().workerThreads(0).build())
                .hasMessageContaining("workerThreads").hasMessageContaining("got 0");
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().workerThreads(40_000).build())
                .hasMessageContaining("workerThreads");
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().workerThreads(1)
                .context(RuntimeContext.named(" ")).build())
                .hasMessageContaining("threadNamePrefix");
    }

    @Test
    void aTaskThatThrowsNeverKillsAWorker() {
        WorkStealingDispatcher d = dispatcher(2, "survive");
        try {
            Set<String> before = threadsNamed("survive-worker-");
            List<JoinHandle<Object>> failing = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                failing.add(d.spawn(() -> {
                    throw new IllegalStateException("user bug");
                }));
            }
            for (JoinHandle<Object> h : failing) {
                assertThatThrownBy(() -> h.join(LONG)).isInstanceOf(TaskFailedException.class);
            }
            assertThat(d.spawn(() -> 1).join(LONG)).isEqualTo(1);
            assertThat(threadsNamed("survive-worker-")).isEqualTo(before);
        } finally {
            d.shutdown(LONG);
        }
    }

    @Test
    void aLongRunningTaskDoesNotStopOtherWorkersFromStealingWhatIsQueuedBehindIt() throws Exception {
        WorkStealingDispatcher d = dispatcher(2, "steal");
        CountDownLatch release = new CountDownLatch(1);
        try {
            int n = 50;
            CountDownLatch childrenDone = new CountDownLatch(n);
            Set<String> childThreads = ConcurrentHashMap.newKeySet();
            JoinHandle<String> hog = d.spawn(() -> {
                // Spawned from a worker: these go to this worker's LIFO slot and local queue.
                for (int i = 0; i < n; i++) {
                    d.spawn(() -> {
                        childThreads.add(Thread.currentThread().getName());
                        childrenDone.countDown();
                    });
                }
                // Now hog this worker until every child has run elsewhere.
                JoinHandleTest.awaitUninterruptibly(release);
                return Thread.currentThread().getName();
            });
            assertThat(childrenDone.await(30, TimeUnit.SECONDS))
                    .as("children queued behind a busy worker were stolen").isTrue();
            release.countDown();
            String hogThread = hog.join(LONG);
            assertThat(childThreads).doesNotContain(hogThread);
            assertThat(d.metrics().steals()).isPositive();
        } finally {
            release.countDown();
            d.shutdown(LONG);
        }
    }

    /**
     * Fails if a task left in the LIFO slot of a worker stuck in one task is never stolen: the
     * stuck task spawns two children (the second displaces the first into the local queue,
     * which wakes a stealer) and blocks until both have run. The stealer takes the queued one,
     * then, its busy-wait over with the stuck worker still in the same task, the one in the
     * LIFO slot.
     */
    @Test
    void bothChildrenOfAWorkerStuckInOneTaskRunElsewhere() throws Exception {
        WorkStealingDispatcher d = dispatcher(2, "hostage");
        CountDownLatch release = new CountDownLatch(1);
        try {
            CountDownLatch childrenRan = new CountDownLatch(2);
            d.spawn(() -> {
                d.spawn(childrenRan::countDown);
                d.spawn(childrenRan::countDown); // in the LIFO slot while this task blocks
                JoinHandleTest.awaitUninterruptibly(release);
            });
            assertThat(childrenRan.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            release.countDown();
            d.shutdown(LONG);
        }
    }

    /**
     * Fails without the stuck-worker monitor: the task is put in the empty LIFO slot of a worker
     * stuck in one task only after every other worker has parked, so no searcher is around to
     * take it at the end of its busy-wait, and a put into an empty slot wakes nobody.
     */
    @Test
    void aTaskScheduledAfterEveryOtherWorkerParkedIsNotHeldByAWorkerStuckInOneTask() throws Exception {
        WorkStealingDispatcher d = dispatcher(2, "stuck");
        try {
            assertChildOfAStuckTaskRunsElsewhere(d);
        } finally {
            d.shutdown(LONG);
        }
    }

    /**
     * The monitor sleeps once every worker has parked (an idle runtime wakes no thread), and a
     * worker leaving the parked set wakes it: fails if the work a stuck task scheduled waits
     * behind it because the monitor slept on.
     */
    @Test
    void theMonitorSleepsWhileTheRuntimeIsIdleAndWakesWhenWorkComes() throws Exception {
        WorkStealingDispatcher d = dispatcher(2, "monitor-sleep");
        try {
            await("the monitor asleep", d::monitorAsleep);
            Thread monitor = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("monitor-sleep-monitor")).findFirst().orElseThrow();
            await("the monitor parked with no timeout", () -> monitor.getState() == Thread.State.WAITING);
            assertChildOfAStuckTaskRunsElsewhere(d);
        } finally {
            d.shutdown(LONG);
        }
    }

    /** A task that waits until the other worker (of two) has parked, spawns a child, then blocks until the child ran. */
    private static void assertChildOfAStuckTaskRunsElsewhere(WorkStealingDispatcher d) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch childRan = new CountDownLatch(1);
        AtomicReference<String> parentThread = new AtomicReference<>();
        AtomicReference<String> childThread = new AtomicReference<>();
        try {
            d.spawn(() -> {
                parentThread.set(Thread.currentThread().getName());
                await("the other worker parked", () -> d.metrics().parkedWorkers() == 1);
                d.spawn(() -> { // into this worker's empty LIFO slot: wakes nobody
                    childThread.set(Thread.currentThread().getName());
                    childRan.countDown();
                });
                JoinHandleTest.awaitUninterruptibly(release);
            });
            assertThat(childRan.await(30, TimeUnit.SECONDS)).as("the stuck task's child ran").isTrue();
            assertThat(childThread.get()).isNotEqualTo(parentThread.get());
        } finally {
            release.countDown();
        }
    }

    @Test
    void anIdleRuntimeParksEveryWorker() {
        WorkStealingDispatcher d = dispatcher(4, "idle");
        try {
            for (int i = 0; i < 1000; i++) {
                d.spawn(() -> { });
            }
            await("all workers parked", () -> d.metrics().parkedWorkers() == 4);
            DispatcherMetrics m = d.metrics();
            assertThat(m.searchingWorkers()).isZero();
            assertThat(m.globalQueueDepth()).isZero();
            assertThat(m.localQueueDepth()).isZero();
            await("no alive tasks", () -> d.metrics().aliveTasks() == 0);
            for (String name : threadsNamed("idle-worker-")) {
                Thread t = Thread.getAllStackTraces().keySet().stream()
                        .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
                await(name + " waiting", () -> t.getState() == Thread.State.WAITING);
            }
        } finally {
            d.shutdown(LONG);
        }
    }

    @Test
    void metricsCountAliveTasksAndQueues() throws Exception {
        WorkStealingDispatcher d = dispatcher(1, "metrics");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try {
            d.spawn(() -> {
                started.countDown();
                JoinHandleTest.awaitUninterruptibly(release);
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                d.spawn(() -> { });
            }
            DispatcherMetrics m = d.metrics();
            assertThat(m.workers()).isEqualTo(1);
            assertThat(m.aliveTasks()).isEqualTo(11);
            assertThat(m.globalQueueDepth() + m.localQueueDepth()).isEqualTo(10);
            release.countDown();
            await("drained", () -> d.metrics().aliveTasks() == 0);
            // The worker busy-waits a little before it parks (builder's busyWait).
            await("the idle worker parked", () -> d.metrics().parks() > 0);
        } finally {
            release.countDown();
            d.shutdown(LONG);
        }
    }

    @Test
    void gracefulShutdownFinishesQueuedWorkAndLeavesNoThreads() {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger stopped = new AtomicInteger();
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
                .context(new RuntimeContext("graceful",
                        new ThreadHooks(started::incrementAndGet, stopped::incrementAndGet), null))
                .build();
        AtomicInteger ran = new AtomicInteger();
        List<JoinHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            handles.add(d.spawn(ran::incrementAndGet));
        }
        DispatcherShutdown report = d.shutdown(LONG);
        assertThat(report.drained()).isTrue();
        assertThat(report.abandoned()).isZero();
        assertThat(report.threadsStillAlive()).isZero();
        assertThat(ran.get()).isEqualTo(10_000);
        assertThat(handles).allMatch(h -> h.outcome() == JoinHandle.Outcome.SUCCEEDED);
        assertThat(threadsNamed("graceful-")).isEmpty();
        assertThat(started.get()).isEqualTo(3); // two workers and the monitor
        assertThat(stopped.get()).isEqualTo(3);
        assertThat(d.shutdown(LONG)).isSameAs(report);
    }

    @Test
    void spawnAfterShutdownFailsTheHandleWithAClearCause() {
        WorkStealingDispatcher d = dispatcher(1, "closed");
        d.shutdown(LONG);
        JoinHandle<Integer> h = d.spawn(() -> 1);
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        assertThatThrownBy(h::join).hasCauseInstanceOf(RejectedExecutionException.class)
                .cause().hasMessageContaining("is shut down");
    }

    @Test
    void shutdownAtTheDeadlineCancelsRunningAndAbandonsQueuedWork() throws Exception {
        WorkStealingDispatcher d = dispatcher(1, "deadline");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        JoinHandle<Void> running = d.spawn(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        List<JoinHandle<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(d.spawn(() -> 1));
        }
        DispatcherShutdown report = d.shutdown(Duration.ofMillis(50));
        assertThat(report.drained()).isFalse();
        assertThat(report.interrupted()).isEqualTo(1);
        assertThat(report.abandoned()).isEqualTo(5);
        assertThat(report.threadsStillAlive()).isZero();
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(running.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        for (JoinHandle<Integer> q : queued) {
            assertThatThrownBy(q::join).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class);
        }
        assertThat(threadsNamed("deadline-")).isEmpty();
    }
}
