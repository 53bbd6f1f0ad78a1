package dev.kabuki.blocking.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Small helpers shared by the blocking-pool tests. */
final class PoolTestSupport {
    /** Generous deadline for anything that should happen "soon". */
    static final Duration DEADLINE = Duration.ofSeconds(20);

    private PoolTestSupport() {
    }

    /** Live JVM threads whose name says they belong to a pool built with {@code prefix}. */
    static Set<Thread> threadsNamed(String prefix) {
        String start = prefix + "-blocking-";
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(start) && t.isAlive())
                .collect(Collectors.toSet());
    }

    static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .as("timed out waiting for: %s (count left %d)", what, latch.getCount())
                .isTrue();
    }

    /** A plain {@link Task} that counts how it ended, and counts down a latch either way. */
    static final class CountingTask implements Task {
        final AtomicInteger runs;
        final AtomicInteger abandons;
        final CountDownLatch ended;
        volatile Throwable abandonCause;

        CountingTask(AtomicInteger runs, AtomicInteger abandons, CountDownLatch ended) {
            this.runs = runs;
            this.abandons = abandons;
            this.ended = ended;
        }

        @Override
        public void run() {
            runs.incrementAndGet();
            ended.countDown();
        }

        @Override
        public void abandon(Throwable reason) {
            abandonCause = reason;
            abandons.incrementAndGet();
            ended.countDown();
        }
    }

    /** A real-time {@link Timer} on a single scheduler thread, for orTimeout tests. */
    static final class ScheduledTimer implements Timer, AutoCloseable {
        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

        @Override
        public Cancellable schedule(Duration delay, Task action) {
            ScheduledFuture<?> f = scheduler.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public void close() {
            scheduler.shutdownNow();
        }
    }
}
