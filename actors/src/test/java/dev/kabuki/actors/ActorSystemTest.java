package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.DispatcherMetrics;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinSet;
import dev.kabuki.scheduler.TaskFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActorSystemTest {
    private static final Duration LONG = Duration.ofSeconds(30);

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

    static Set<Thread> threadsNamed(String prefix) {
        Set<Thread> out = ConcurrentHashMap.newKeySet();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix + "-") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    /** The README's sample: compiles, runs, prints what it says. */
    @Test
    void readmeSampleWorks(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("README.md");
        Files.writeString(file, "hello");
        String printed;
        try (ActorSystem system = ActorSystem.builder().build()) {
            JoinHandle<Integer> answer = system.spawn(() -> 6 * 7);
            JoinHandle<String> text = system.spawnBlocking(() -> Files.readString(file));
            JoinHandle<String> later = system.schedule(Duration.ofMillis(50), () -> "tick");
            String first;
            // The README's sample, its two sleeps replaced so the order is certain: the slow
            // call blocks until closing the JoinSet aborts (interrupts) it.
            try (JoinSet<String> set = system.joinSet()) {
                set.spawnBlocking(() -> {
                    new CountDownLatch(1).await();
                    return "slow";
                });
                set.spawnBlocking(() -> "fast");
                first = set.joinNext().join();
            }
            printed = first + " " + answer.join() + " " + text.join().length() + " " + later.join();
        }
        assertThat(printed).isEqualTo("fast 42 5 tick");
    }

    @Test
    void builderRejectsEveryBadValueNamingTheSetting() {
        assertThatThrownBy(() -> ActorSystem.builder().workerThreads(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workerThreads").hasMessageContaining("0");
        assertThatThrownBy(() -> ActorSystem.builder().maxBlockingThreads(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBlockingThreads");
        assertThatThrownBy(() -> ActorSystem.builder().maxBlockingThreads(100_000).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBlockingThreads");
        assertThatThrownBy(() -> ActorSystem.builder().threadKeepAlive(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threadKeepAlive");
        assertThatThrownBy(() -> ActorSystem.builder().threadKeepAlive(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threadKeepAlive");
        assertThatThrownBy(() -> ActorSystem.builder().blockingQueueCapacity(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blockingQueueCapacity");
        assertThatThrownBy(() -> ActorSystem.builder().threadNamePrefix("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threadNamePrefix");
        assertThatThrownBy(() -> ActorSystem.builder().shutdownTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownTimeout");
        assertThatThrownBy(() -> ActorSystem.builder().busyWait(Duration.ofMillis(11)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busyWait")
                .hasMessageContaining("PT0.011S");
        assertThatThrownBy(() -> ActorSystem.builder().busyWait(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busyWait");
    }

    @Test
    void aRejectedBuildStartsNoThread() {
        assertThatThrownBy(() -> ActorSystem.builder().threadNamePrefix("rejected")
                .maxBlockingThreads(-1).build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(threadsNamed("rejected")).isEmpty();
    }

    @Test
    void closeLeavesNoThreadBehind() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger stopped = new AtomicInteger();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("leak-check").workerThreads(3)
                .onThreadStart(started::incrementAndGet).onThreadStop(stopped::incrementAndGet).build();
        List<JoinHandle<Integer>> hs = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1); // all blocking tasks at once: many threads
        for (int i = 0; i < 200; i++) {
            int v = i;
            hs.add(system.spawn(() -> v));
            hs.add(system.spawnBlocking(() -> {
                release.await();
                return v;
            }));
        }
        release.countDown();
        system.schedule(Duration.ofMillis(5), () -> 1).join(LONG);
        for (JoinHandle<Integer> h : hs) {
            h.join(LONG);
        }
        assertThat(threadsNamed("leak-check")).isNotEmpty();
        system.close();
        assertThat(threadsNamed("leak-check")).isEmpty();
        assertThat(stopped.get()).isEqualTo(started.get()).isGreaterThanOrEqualTo(3 + 1 + 1);
    }

    @Test
    void gracefulShutdownFinishesRunningAndQueuedWork() {
        ActorSystem system = ActorSystem.builder().threadNamePrefix("graceful-sys").workerThreads(2)
                .maxBlockingThreads(2).build();
        AtomicInteger done = new AtomicInteger();
        // The blocking tasks (2 running, 18 queued behind the cap) finish only once shutdown
        // has begun: shutdown must let running and queued work finish.
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 20; i++) {
            system.spawnBlocking(() -> {
                release.await();
                return done.incrementAndGet();
            });
            system.spawn(done::incrementAndGet);
        }
        Thread releaser = new Thread(() -> {
            await("shutdown begun", system::isShutdown);
            release.countDown();
        }, "releaser");
        releaser.start();
        ShutdownReport report = system.shutdown(LONG);
        assertThat(report.clean()).isTrue();
        assertThat(report.abandonedTasks()).isZero();
        assertThat(done.get()).isEqualTo(40);
        assertThat(threadsNamed("graceful-sys")).isEmpty();
    }

    @Test
    void shutdownAtTheDeadlineInterruptsAndReportsWhatWasAbandoned() throws Exception {
        ActorSystem system = ActorSystem.builder().threadNamePrefix("deadline-sys").workerThreads(1)
                .maxBlockingThreads(1).build();
        CountDownLatch running = new CountDownLatch(2);
        JoinHandle<Void> blocking = system.spawnBlocking(() -> {
            running.countDown();
            new CountDownLatch(1).await(); // interrupted at the deadline
            return null;
        });
        JoinHandle<Void> core = system.spawn(() -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        JoinHandle<Integer> queuedBlocking = system.spawnBlocking(() -> 1);
        JoinHandle<Integer> queuedCore = system.spawn(() -> 2);
        JoinHandle<Integer> scheduled = system.schedule(Duration.ofHours(1), () -> 3);
        ShutdownReport report = system.shutdown(Duration.ofMillis(100));
        assertThat(report.clean()).isFalse();
        assertThat(report.interruptedTasks()).isEqualTo(2);
        assertThat(report.abandonedTasks()).isEqualTo(2);
        assertThat(report.timersCancelled()).isEqualTo(1);
        assertThat(report.threadsStillAlive()).isZero();
        assertThat(blocking.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        assertThat(core.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        for (JoinHandle<Integer> h : List.of(queuedBlocking, queuedCore, scheduled)) {
            assertThatThrownBy(h::join).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class);
        }
        assertThat(threadsNamed("deadline-sys")).isEmpty();
        assertThat(system.shutdown(LONG)).isSameAs(report);
    }

    @Test
    void everythingSpawnedAfterCloseFailsWithAClearCause() {
        ActorSystem system = ActorSystem.builder().threadNamePrefix("after").build();
        system.close();
        assertThat(system.isShutdown()).isTrue();
        for (JoinHandle<?> h : List.of(system.spawn(() -> 1), system.spawnBlocking(() -> 1),
                system.schedule(Duration.ZERO, () -> 1))) {
            assertThatThrownBy(h::join).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(RejectedExecutionException.class).hasMessageContaining("'after' is shut down");
        }
    }

    @Test
    void metricsShowBothDispatchersAndTheTimer() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("metrics-sys").workerThreads(2)
                .maxBlockingThreads(3).threadKeepAlive(Duration.ofMillis(200)).build()) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch threeRunning = new CountDownLatch(3);
            for (int i = 0; i < 5; i++) {
                system.spawnBlocking(() -> {
                    threeRunning.countDown();
                    release.await();
                    return null;
                });
            }
            system.schedule(Duration.ofHours(1), () -> 0);
            assertThat(threeRunning.await(30, TimeUnit.SECONDS)).isTrue();
            RuntimeMetrics m = system.metrics();
            assertThat(m.core().workers()).isEqualTo(2);
            assertThat(m.blocking().liveThreads()).isEqualTo(3);
            assertThat(m.blocking().queuedTasks()).isEqualTo(2);
            assertThat(m.blocking().aliveTasks()).isEqualTo(5);
            assertThat(m.pendingTimers()).isEqualTo(1);
            assertThat(m.core().aliveTasks()).isEqualTo(1); // the scheduled one
            release.countDown();
            await("blocking threads idle then gone", () -> system.metrics().blocking().liveThreads() == 0);
            await("workers parked", () -> system.metrics().core().localQueueDepth() == 0);
            await("every worker parked, none searching", () -> {
                DispatcherMetrics idle = system.metrics().core();
                return idle.parkedWorkers() == 2 && idle.searchingWorkers() == 0;
            });
        }
    }

    @Test
    void blockingAndCoreLimitsAreIndependent() throws Exception {
        // Every core worker busy must not stop blocking work, and a full blocking pool must not
        // stop core work (Tokio once counted workers against the blocking cap).
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("indep").workerThreads(1)
                .maxBlockingThreads(1).build()) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(2);
            system.spawnBlocking(() -> {
                started.countDown();
                release.await();
                return null;
            });
            system.spawn(() -> {
                started.countDown();
                while (release.getCount() > 0) {
                    Thread.onSpinWait(); // hogs the only core worker
                }
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            assertThat(system.spawn(() -> "core").join(LONG)).isEqualTo("core");
            assertThat(system.spawnBlocking(() -> "blocking").join(LONG)).isEqualTo("blocking");
        }
    }

    @Test
    void currentThreadFlavourRunsTasksOnTheCallerAndBlockingWorkElsewhere() {
        try (ActorSystem system = ActorSystem.builder().flavor(ActorSystem.Flavor.CURRENT_THREAD)
                .threadNamePrefix("ct-sys").build()) {
            Thread me = Thread.currentThread();
            String result = system.blockOn(() -> {
                Thread core = system.spawn(Thread::currentThread).join();
                String blockingThread = system.spawnBlocking(() -> Thread.currentThread().getName()).join();
                return (core == me) + " " + blockingThread;
            });
            assertThat(result).startsWith("true ct-sys-blocking-");
            assertThat(system.metrics().core().workers()).isZero();
            assertThat(threadsNamed("ct-sys")).noneMatch(t -> t.getName().contains("worker"));
        }
        assertThat(threadsNamed("ct-sys")).isEmpty();
    }

    @Test
    void blockOnOnTheMultiThreadFlavourSpawnsAndJoins() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("blockon").build()) {
            assertThat(system.blockOn(() -> Thread.currentThread().getName())).startsWith("blockon-worker-");
        }
    }
}
