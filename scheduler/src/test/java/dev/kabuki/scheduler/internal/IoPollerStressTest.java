package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.scheduler.DispatcherShutdown;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker-polled I/O driver hook ({@link IoPoller}, {@link Parker#parkDriver}): no wake-up is
 * lost while a worker sleeps in the driver's select instead of {@code LockSupport.park}, and
 * shutdown wakes the driver holder.
 */
@Timeout(300)
class IoPollerStressTest {

    /**
     * A poller over a real {@link Selector}, shaped like kabuki-net's worker-polled loop: its
     * "I/O events" are runnables other threads post (then wake the selector), run by the polling
     * worker after its one select, so whatever they spawn lands on that worker's own queues.
     */
    static final class SelectorPoller implements IoPoller {
        final Selector selector;
        final AtomicBoolean lock = new AtomicBoolean();
        final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
        final AtomicLong blockingPolls = new AtomicLong();
        final AtomicLong nonBlockingPolls = new AtomicLong();
        volatile Thread holder;
        volatile boolean inBlockingSelect;
        /** Whether the events now being run came from a non-blocking poll (holder-confined). */
        volatile boolean runningFromNonBlockingPoll;
        volatile boolean closed;

        SelectorPoller() {
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean tryLock() {
            if (!lock.compareAndSet(false, true)) {
                return false;
            }
            holder = Thread.currentThread();
            return true;
        }

        @Override
        public void unlock() {
            holder = null;
            lock.set(false);
        }

        @Override
        public void poll(long timeoutNanos) {
            if (closed) {
                return;
            }
            boolean nonBlocking = timeoutNanos == 0 || !events.isEmpty();
            try {
                if (nonBlocking) {
                    nonBlockingPolls.incrementAndGet();
                    selector.selectNow();
                } else {
                    blockingPolls.incrementAndGet();
                    inBlockingSelect = true;
                    selector.select();
                    inBlockingSelect = false;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            runningFromNonBlockingPoll = nonBlocking;
            Runnable r;
            while ((r = events.poll()) != null) {
                r.run();
            }
        }

        @Override
        public void wakeup() {
            if (holder != Thread.currentThread()) {
                selector.wakeup();
            }
        }

        void post(Runnable event) {
            events.offer(event);
            selector.wakeup();
        }

        void close() throws IOException {
            closed = true;
            selector.close();
        }
    }

    /**
     * Fails if a wake-up is lost: bursts of tasks from many outside threads (injected, waking a
     * worker that may sleep in the driver) and, in even rounds, of "I/O events" (posted to the
     * driver, whose polling worker spawns them locally), each spawning a child, with every
     * worker parked between bursts. Odd rounds inject only, so no posted event's own selector
     * wakeup can stand in for the parker's. A round whose tasks do not all run within the
     * deadline fails.
     */
    @Test
    void everyTaskRunsWhileWorkersParkInTheDriver() throws Exception {
        for (int workers : new int[] {2, 4}) {
            runRounds(workers, 300);
        }
    }

    private static void runRounds(int workers, int rounds) throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(workers)
                .busyWait(Duration.ZERO) // park at once: the driver path is taken as often as possible
                .context(RuntimeContext.named("iopoll")).build();
        SelectorPoller poller = new SelectorPoller();
        d.installIoPoller(poller);
        DispatcherShutdown report;
        try {
            int producers = 6;
            int perRound = 200; // per producer: half injected, half posted as events; each spawns a child
            AtomicReference<CountDownLatch> roundDone = new AtomicReference<>();
            AtomicReference<AtomicIntegerArray> roundRuns = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(producers + 1);
            CyclicBarrier end = new CyclicBarrier(producers + 1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                final int producer = p;
                Thread t = new Thread(() -> {
                    try {
                        for (int r = 0; r < rounds; r++) {
                            start.await(60, TimeUnit.SECONDS);
                            CountDownLatch done = roundDone.get();
                            AtomicIntegerArray runs = roundRuns.get();
                            for (int i = 0; i < perRound; i++) {
                                int id = (producer * perRound + i) * 2;
                                Runnable child = () -> {
                                    runs.incrementAndGet(id + 1);
                                    done.countDown();
                                };
                                Runnable task = () -> {
                                    runs.incrementAndGet(id);
                                    done.countDown();
                                    d.spawn(child);
                                };
                                if (i % 2 == 0 || r % 2 == 1) {
                                    d.spawn(task);
                                } else {
                                    poller.post(() -> d.spawn(task));
                                }
                            }
                            end.await(60, TimeUnit.SECONDS);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "iopoll-producer-" + p);
                t.setDaemon(true); // a failed round leaves them at a barrier
                t.start();
                threads.add(t);
            }
            int total = producers * perRound * 2;
            for (int r = 0; r < rounds; r++) {
                // Every worker parked, and one of them in the driver's select, before each burst.
                WorkStealingDispatcherTest.await("all parked, one in the driver",
                        () -> d.metrics().parkedWorkers() == workers && poller.inBlockingSelect);
                CountDownLatch done = new CountDownLatch(total);
                AtomicIntegerArray runs = new AtomicIntegerArray(total);
                roundDone.set(done);
                roundRuns.set(runs);
                start.await(60, TimeUnit.SECONDS);
                end.await(60, TimeUnit.SECONDS);
                assertThat(done.await(20, TimeUnit.SECONDS))
                        .as("round %d with %d workers: every task ran (%d missing)", r, workers, done.getCount())
                        .isTrue();
                for (int i = 0; i < total; i++) {
                    assertThat(runs.get(i)).as("task %d run count", i).isEqualTo(1);
                }
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertThat(poller.blockingPolls.get()).as("workers parked in the driver").isGreaterThan(rounds);
        } finally {
            report = d.shutdown(Duration.ofSeconds(10));
            poller.close(); // also ends a select a lost wake-up left blocked
        }
        assertThat(report.threadsStillAlive()).isZero();
    }

    /** A worker blocked in the driver's select leaves it when the dispatcher shuts down. */
    @Test
    void shutdownWakesTheDriverHolder() throws Exception {
        for (int i = 0; i < 50; i++) {
            WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
                    .context(RuntimeContext.named("iopoll-shut")).build();
            SelectorPoller poller = new SelectorPoller();
            d.installIoPoller(poller);
            d.spawn(() -> { }).join(Duration.ofSeconds(20));
            WorkStealingDispatcherTest.await("a worker in the driver",
                    () -> d.metrics().parkedWorkers() == 2 && poller.inBlockingSelect);
            long t0 = System.nanoTime();
            DispatcherShutdown report = d.shutdown(Duration.ofSeconds(5));
            assertThat(report.threadsStillAlive()).isZero();
            assertThat(report.drained()).isTrue();
            assertThat(System.nanoTime() - t0).as("shutdown time").isLessThan(TimeUnit.SECONDS.toNanos(4));
            poller.close();
        }
    }

    /**
     * A busy worker polls the driver without blocking every MAINTENANCE_INTERVAL tasks. One
     * worker, kept busy by a self-respawning task, never parks: only the maintenance poll can
     * see the event.
     */
    @Test
    void busyWorkersPollTheDriver() throws Exception {
        WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(1)
                .context(RuntimeContext.named("iopoll-busy")).build();
        SelectorPoller poller = new SelectorPoller();
        d.installIoPoller(poller);
        try {
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch seen = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(1);
            d.spawn(new Runnable() {
                @Override
                public void run() {
                    busy.countDown();
                    if (!stop.get()) {
                        d.spawn(this);
                    }
                }
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            // Which poll ran the event is recorded by the event itself: a counter read before the
            // post cannot tell, as a non-blocking poll counted before it may drain the event.
            AtomicReference<Boolean> fromNonBlocking = new AtomicReference<>();
            poller.post(() -> {
                fromNonBlocking.set(poller.runningFromNonBlockingPoll);
                seen.countDown();
            });
            assertThat(seen.await(10, TimeUnit.SECONDS)).as("an event handled while every worker is busy").isTrue();
            assertThat(fromNonBlocking.get()).as("run by a non-blocking maintenance poll").isTrue();
            stop.set(true);
        } finally {
            d.shutdown(Duration.ofSeconds(5));
            poller.close();
        }
    }
}
