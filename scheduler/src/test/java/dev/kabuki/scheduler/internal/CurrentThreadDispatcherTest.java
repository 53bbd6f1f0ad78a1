package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.DispatcherShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CurrentThreadDispatcherTest {
    private final TimingWheel timer = new TimingWheel(r -> new Thread(r, "ct-timer"));
    private final CurrentThreadDispatcher rt = new CurrentThreadDispatcher("ct", timer);

    @AfterEach
    void tearDown() {
        timer.close();
        rt.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void tasksRunOnTheThreadThatCallsBlockOn() {
        Thread me = Thread.currentThread();
        Thread ran = rt.blockOn(() -> rt.spawn(Thread::currentThread).join());
        assertThat(ran).isSameAs(me);
    }

    @Test
    void tasksRunInDeterministicFifoOrder() {
        List<String> order = rt.blockOn(() -> {
            List<String> log = new ArrayList<>();
            List<JoinHandle<Boolean>> hs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int id = i;
                hs.add(rt.spawn(() -> {
                    log.add("t" + id);
                    if (id == 0) {
                        rt.spawn(() -> log.add("child-of-t0"));
                    }
                    return true;
                }));
            }
            rt.spawn(() -> log.add("last")).join(); // t0's child was queued behind "last"
            rt.spawn(() -> log.add("end")).join();
            return log;
        });
        assertThat(order).containsExactly("t0", "t1", "t2", "t3", "t4", "last", "child-of-t0", "end");
    }

    @Test
    void aTaskMayJoinAnotherTaskOnTheSameThread() {
        int v = rt.blockOn(() -> rt.spawn(() -> rt.spawn(() -> 20).join() + 22).join());
        assertThat(v).isEqualTo(42);
    }

    @Test
    void blockingWorkStillGoesElsewhereAndWakesTheDriver() {
        // A handle completed by another thread (like the blocking pool) wakes the parked driver.
        String v = rt.blockOn(() -> {
            PromiseHandle<String> p = new PromiseHandle<>(timer);
            Thread other = new Thread(() -> p.complete("from " + Thread.currentThread().getName()), "blocking-ish");
            other.start();
            return p.join();
        });
        assertThat(v).isEqualTo("from blocking-ish");
    }

    @Test
    void timersDeliverIntoTheDriver() {
        Thread me = Thread.currentThread();
        Thread ran = rt.blockOn(() -> rt.schedule(Duration.ofMillis(10), Thread::currentThread).join());
        assertThat(ran).isSameAs(me);
    }

    @Test
    void joinWithTimeoutOnTheDriverRunsOutCleanly() {
        assertThatThrownBy(() -> rt.blockOn(() -> new PromiseHandle<String>(timer).join(Duration.ofMillis(20))))
                .isInstanceOf(TaskFailedException.class).hasCauseInstanceOf(JoinTimeoutException.class);
    }

    @Test
    void aSecondConcurrentDriverIsRefused() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread driver = new Thread(() -> rt.blockOn(() -> {
            inside.countDown();
            JoinHandleTest.awaitUninterruptibly(leave);
            return null;
        }), "first-driver");
        driver.start();
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            assertThatThrownBy(() -> rt.blockOn(() -> 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("first-driver");
        } finally {
            leave.countDown();
            driver.join(30_000);
        }
    }

    @Test
    void tasksQueuedOutsideBlockOnRunAtTheNextBlockOnOrAtShutdown() {
        AtomicReference<String> ran = new AtomicReference<>();
        JoinHandle<Void> h = rt.spawn(() -> ran.set(Thread.currentThread().getName()));
        assertThat(h.isFinished()).isFalse();
        DispatcherShutdown report = rt.shutdown(Duration.ofSeconds(5));
        assertThat(report.drained()).isTrue();
        assertThat(ran.get()).isEqualTo(Thread.currentThread().getName());
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.SUCCEEDED);
    }

    @Test
    void spawnAfterShutdownFails() {
        rt.shutdown(Duration.ZERO);
        assertThat(rt.spawn(() -> 1).outcome()).isEqualTo(JoinHandle.Outcome.FAILED);
        assertThatThrownBy(() -> rt.blockOn(() -> 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
    }

    // Fails if shutdown makes the closing thread the driver but leaves the parker owned by the
    // thread that drove before: a queued task that joins a handle completed from elsewhere parks
    // the closing thread, and the completion's unpark then wakes the earlier (dead) driver
    // instead, so shutdown waits forever.
    @Test
    void shutdownFromAnotherThreadDrivesWithItsOwnParker() throws Exception {
        // Its own dispatcher, so that a hung shutdown (the bug) cannot hang the teardown too.
        CurrentThreadDispatcher rt = new CurrentThreadDispatcher("ct-parker", timer);
        Thread earlier = new Thread(() -> rt.blockOn(() -> rt.spawn(() -> 1).join()), "earlier-driver");
        earlier.start();
        earlier.join();
        CountDownLatch release = new CountDownLatch(1);
        PromiseHandle<String> completedElsewhere = new PromiseHandle<>(timer);
        JoinHandle<String> waiter = rt.spawn(() -> completedElsewhere.join()); // queued, runs at shutdown
        Thread completer = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                return;
            }
            completedElsewhere.complete("done");
        }, "completer");
        completer.start();
        AtomicReference<DispatcherShutdown> report = new AtomicReference<>();
        Thread closer = new Thread(() -> report.set(rt.shutdown(Duration.ofSeconds(60))), "closer");
        closer.setDaemon(true);
        closer.start();
        // The closer runs the queued task, which parks in join: the completion must wake it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closer.getState() != Thread.State.WAITING && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closer.isAlive()).as("shutdown woke up and finished").isFalse();
        assertThat(waiter.join(Duration.ofSeconds(1))).isEqualTo("done");
        assertThat(report.get().drained()).isTrue();
    }
}
