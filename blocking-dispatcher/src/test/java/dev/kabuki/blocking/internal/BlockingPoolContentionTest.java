package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kabuki.blocking.internal.PoolTestSupport.CountingTask;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Many submitters, exact counts: nothing lost, nothing stranded. */
class BlockingPoolContentionTest {

    /**
     * Fails if the submit path collapses under many submitters (a global lock would make it
     * crawl) or loses a task: 8 threads queue 100,000 jobs behind 4 pool threads.
     */
    @Test
    void hundredThousandQueuedJobsFromManyThreads() throws Exception {
        final int submitters = 8;
        final int perThread = 12_500;
        final int total = submitters * perThread;
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger abandons = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(total);
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(4).build()) {
            CyclicBarrier go = new CyclicBarrier(submitters);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                Thread t = new Thread(() -> {
                    try {
                        go.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        pool.execute(new CountingTask(runs, abandons, ended));
                    }
                }, "submitter-" + s);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(DEADLINE.toMillis());
                assertThat(t.isAlive()).isFalse();
            }
            await(ended, "all 100,000 jobs");
            assertThat(runs).hasValue(total);
            assertThat(abandons).hasValue(0);
            assertThat(pool.metrics().liveThreads()).isLessThanOrEqualTo(4);
            assertThat(pool.metrics().queuedTasks()).isZero();
            await().atMost(DEADLINE).until(() -> pool.metrics().aliveTasks() == 0);
        }
    }

    /**
     * The submit-vs-exit race under real contention: with a keep-alive of 1 ms or 1 us, pool
     * threads time out constantly, and submitters (after a random pause of up to twice the
     * keep-alive) submit just as they do. Fails if a job is queued while the last thread leaves
     * without seeing it and no thread is started for it (the submitter's wait runs out), or if a
     * job is lost or abandoned. Stress finds that race only by chance (the window is tens of
     * nanoseconds); {@link BlockingPoolInterleavingTest} forces each side of it.
     */
    @ParameterizedTest(name = "maxBlockingThreads={0}, keepAlive={1} ns")
    @CsvSource({"1, 1000000", "2, 1000000", "1, 1000", "2, 1000"})
    void submitRacingThreadExitStrandsNothing(int maxThreads, long keepAliveNanos) throws Exception {
        final int submitters = 3;
        final int rounds = 1_500;
        final int perRound = 2;
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger abandons = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger threadsStarted = new AtomicInteger();
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(maxThreads)
                .threadKeepAlive(Duration.ofNanos(keepAliveNanos))
                .context(new RuntimeContext("contention",
                        new ThreadHooks(threadsStarted::incrementAndGet, null), null))
                .build()) {
            CyclicBarrier roundStart = new CyclicBarrier(submitters);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                Thread t = new Thread(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    try {
                        for (int r = 0; r < rounds; r++) {
                            roundStart.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                            CountDownLatch mine = new CountDownLatch(perRound);
                            for (int i = 0; i < perRound; i++) {
                                pool.execute(new CountingTask(runs, abandons, mine));
                            }
                            if (!mine.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                                throw new AssertionError("round " + r + ": a job was stranded; pool "
                                        + pool);
                            }
                            // Jitter around the keep-alive, so the next submissions meet threads
                            // at every stage of timing out. Not waiting for an effect.
                            jitter(rnd.nextLong(2 * keepAliveNanos));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        roundStart.reset();
                    }
                }, "submitter-" + s);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(2 * DEADLINE.toMillis());
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(failure.get()).isNull();
            assertThat(runs).hasValue(submitters * rounds * perRound);
            assertThat(abandons).hasValue(0);
            // The race was really exercised: threads kept exiting and being replaced.
            assertThat(threadsStarted.get()).isGreaterThan(100);
        }
    }

    /** Pauses about {@code nanos}: parks for long pauses, spins for short ones (parking is coarse). */
    private static void jitter(long nanos) {
        if (nanos >= 100_000) {
            LockSupport.parkNanos(nanos);
            return;
        }
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
