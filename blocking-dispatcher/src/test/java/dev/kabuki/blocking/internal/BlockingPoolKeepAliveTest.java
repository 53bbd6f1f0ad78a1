package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static dev.kabuki.blocking.internal.PoolTestSupport.threadsNamed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Idle threads exit after the keep-alive; the pool grows again on demand. */
class BlockingPoolKeepAliveTest {

    @Test
    void keepAliveMakesIdleThreadsExit() throws Exception {
        final int n = 20;
        final long keepAliveMillis = 200;
        Set<Thread> started = ConcurrentHashMap.newKeySet();
        Map<Thread, Long> lastTaskEnded = new ConcurrentHashMap<>();
        Map<Thread, Long> threadStopped = new ConcurrentHashMap<>();
        CountDownLatch stopped = new CountDownLatch(n);
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .threadKeepAlive(Duration.ofMillis(keepAliveMillis))
                .context(new RuntimeContext("keepalive", new ThreadHooks(
                        () -> started.add(Thread.currentThread()),
                        () -> {
                            threadStopped.put(Thread.currentThread(), System.nanoTime());
                            stopped.countDown();
                        }), null))
                .build()) {
            // All 20 at once: each waits for the others, so 20 threads must exist. The barrier's
            // action runs once all have arrived and before any is released: every thread is
            // still inside its task, so none can have idled out yet (reading the count after the
            // joins would race with a keep-alive of 200 ms on a slow machine).
            AtomicInteger liveWhileAllBusy = new AtomicInteger(-1);
            CyclicBarrier together = new CyclicBarrier(n,
                    () -> liveWhileAllBusy.set(pool.metrics().liveThreads()));
            List<JoinHandle<Integer>> handles = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                handles.add(pool.spawnBlocking(() -> {
                    int arrival = together.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    lastTaskEnded.put(Thread.currentThread(), System.nanoTime());
                    return arrival;
                }));
            }
            for (JoinHandle<Integer> h : handles) {
                h.join(DEADLINE);
            }
            assertThat(started).hasSize(n);
            assertThat(liveWhileAllBusy).hasValue(n);

            await(stopped, "every idle thread to exit after the keep-alive");
            for (Thread t : started) {
                long idleFor = threadStopped.get(t) - lastTaskEnded.get(t);
                assertThat(idleFor).as("%s waited out the keep-alive", t.getName())
                        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(keepAliveMillis));
            }
            assertThat(pool.metrics().liveThreads()).isZero();
            assertThat(pool.metrics().idleThreads()).isZero();
            for (Thread t : started) {
                t.join(DEADLINE.toMillis());
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
            assertThat(threadsNamed("keepalive")).isEmpty();

            // The pool grows again on demand after shrinking to zero.
            String name = pool.spawnBlocking(() -> Thread.currentThread().getName()).join(DEADLINE);
            assertThat(name).isEqualTo("keepalive-blocking-" + n);
        }
    }
}
