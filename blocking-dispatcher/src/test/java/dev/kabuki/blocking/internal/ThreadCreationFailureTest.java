package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Thread creation that fails (a pids limit, "unable to create native thread") fails the
 * affected handles with that error, and never leaves a queued task with no thread to run it.
 */
class ThreadCreationFailureTest {

    /** What the JVM throws when the OS refuses a thread. */
    static OutOfMemoryError nativeThreadOom() {
        return new OutOfMemoryError(
                "unable to create native thread: possibly out of memory or process/resource limits reached");
    }

    /** Makes real threads for the first {@code succeed} calls, then throws the OOM. */
    static final class FailAfterThreadFactory implements ThreadFactory {
        final int succeed;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        FailAfterThreadFactory(int succeed) {
            this.succeed = succeed;
        }

        @Override
        public Thread newThread(Runnable r) {
            if (calls.incrementAndGet() > succeed) {
                failures.incrementAndGet();
                throw nativeThreadOom();
            }
            return new Thread(r);
        }
    }

    @Test
    void threadCreationFailureFailsAffectedHandlesAndStrandsNothing() throws Exception {
        FailAfterThreadFactory factory = new FailAfterThreadFactory(2);
        Logger log = (Logger) LoggerFactory.getLogger(ElasticBlockingPool.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Level before = log.getLevel();
        boolean additive = log.isAdditive();
        log.addAppender(logged);
        log.setLevel(Level.WARN);
        log.setAdditive(false); // captured here, kept off the console
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(8).threadFactory(factory).build()) {
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            List<JoinHandle<String>> blockers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                blockers.add(pool.spawnBlocking(() -> {
                    started.countDown();
                    release.await();
                    return "ran";
                }));
            }
            await(started, "two threads to start");

            // Both threads busy, below the cap: each new task asks for a thread and cannot get one.
            for (int i = 0; i < 3; i++) {
                JoinHandle<String> affected = pool.spawnBlocking(() -> "never");
                assertThat(affected.isFinished()).as("failed at once").isTrue();
                assertThatThrownBy(() -> affected.join(DEADLINE))
                        .isInstanceOf(TaskFailedException.class)
                        .cause()
                        .isInstanceOf(OutOfMemoryError.class)
                        .hasMessageContaining("unable to create native thread");
            }
            assertThat(factory.failures).hasValue(3);
            assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(2, 0, 0, 2));
            assertThat(logged.list)
                    .filteredOn(e -> e.getLevel() == Level.WARN)
                    .hasSize(3)
                    .allSatisfy(e -> assertThat(e.getThrowableProxy().getMessage())
                            .contains("unable to create native thread"));

            release.countDown();
            for (JoinHandle<String> h : blockers) {
                assertThat(h.join(DEADLINE)).isEqualTo("ran");
            }

            // A burst from several threads while the two threads come and go: every handle either
            // runs or fails with the creation error, and none hangs.
            List<JoinHandle<Integer>> burst = submitConcurrently(pool, 4, 500);
            int failed = 0;
            for (JoinHandle<Integer> h : burst) {
                try {
                    h.join(DEADLINE);
                } catch (TaskFailedException e) {
                    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
                    failed++;
                }
            }
            assertThat(failed).isLessThanOrEqualTo(factory.failures.get() - 3);
            await().atMost(DEADLINE).until(() -> pool.metrics().aliveTasks() == 0);
            assertThat(pool.metrics().liveThreads()).isLessThanOrEqualTo(2);
        } finally {
            log.detachAppender(logged);
            log.setLevel(before);
            log.setAdditive(additive);
        }
    }

    @Test
    void whenTheVeryFirstThreadCannotStartAllHandlesFailAndNoneHang() throws Exception {
        for (int max : new int[] {1, 4}) {
            FailAfterThreadFactory factory = new FailAfterThreadFactory(0);
            try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                    .maxBlockingThreads(max).threadFactory(factory).build()) {
                // Concurrent submitters: some find every slot taken by a creator that is about to
                // fail and queue behind it; the last creator to fail must abandon them.
                List<JoinHandle<Integer>> handles = submitConcurrently(pool, 8, 250);
                for (JoinHandle<Integer> h : handles) {
                    assertThatThrownBy(() -> h.join(DEADLINE))
                            .isInstanceOf(TaskFailedException.class)
                            .cause()
                            .isInstanceOf(OutOfMemoryError.class);
                }
                await().atMost(DEADLINE).until(() -> pool.metrics().equals(new BlockingPoolMetrics(0, 0, 0, 0)));
                assertThat(pool.shutdown(DEADLINE)).isEqualTo(new BlockingPoolShutdown(true, 0, 0, 0));
            }
        }
    }

    /**
     * Fails if a queued task is stranded when thread creation fails at random while threads
     * keep timing out (keep-alive 1 ms) and submitters race them: a join would time out.
     */
    @Test
    void randomCreationFailuresUnderThreadChurnStrandNothing() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        ThreadFactory flaky = r -> {
            if (ThreadLocalRandom.current().nextInt(3) == 0) {
                failures.incrementAndGet();
                throw nativeThreadOom();
            }
            return new Thread(r);
        };
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(2).threadKeepAlive(Duration.ofMillis(1)).threadFactory(flaky).build()) {
            List<JoinHandle<Integer>> handles = submitConcurrently(pool, 4, 2_000);
            int ran = 0;
            int failed = 0;
            for (JoinHandle<Integer> h : handles) {
                try {
                    h.join(DEADLINE);
                    ran++;
                } catch (TaskFailedException e) {
                    assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
                    failed++;
                }
            }
            assertThat(ran + failed).isEqualTo(8_000);
            assertThat(failures.get()).isPositive();
            assertThat(ran).isPositive();
            await().atMost(DEADLINE).until(() -> pool.metrics().aliveTasks() == 0);
        }
    }

    /**
     * {@code submitters} threads each submit {@code perThread} short tasks, starting together
     * and pausing now and then for up to 2 ms (jitter, so submissions meet threads that are
     * timing out); returns every handle.
     */
    static List<JoinHandle<Integer>> submitConcurrently(ElasticBlockingPool pool, int submitters, int perThread)
            throws Exception {
        List<JoinHandle<Integer>> handles = Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier go = new CyclicBarrier(submitters);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            Thread t = new Thread(() -> {
                try {
                    go.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = 0; i < perThread; i++) {
                    final int n = i;
                    handles.add(pool.spawnBlocking(() -> n));
                    if (rnd.nextInt(16) == 0) {
                        LockSupport.parkNanos(rnd.nextLong(2_000_000)); // jitter, not a wait
                    }
                }
            }, "submitter-" + s);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(DEADLINE.toMillis());
            assertThat(t.isAlive()).as("%s finished submitting", t.getName()).isFalse();
        }
        assertThat(handles).hasSize(submitters * perThread);
        return new ArrayList<>(handles);
    }
}
