package dev.kabuki.blocking.internal;

import static dev.kabuki.blocking.internal.PoolTestSupport.DEADLINE;
import static dev.kabuki.blocking.internal.PoolTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.blocking.BlockingPoolMetrics;
import dev.kabuki.blocking.BlockingPoolShutdown;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.Task;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The races the no-stranded-task argument is about, each forced into its worst interleaving
 * through a scripted hand-off queue (and thread factory), so the test is deterministic: each
 * would hang (and fail its join deadline) if the corresponding check were removed.
 */
class BlockingPoolInterleavingTest {

    /** A hand-off queue whose one-shot hooks pause the caller at the racy points. */
    static final class ScriptedQueue extends LinkedTransferQueue<Task> {
        final AtomicReference<Runnable> afterTimedOutPoll = new AtomicReference<>();
        final AtomicReference<Runnable> beforeOffer = new AtomicReference<>();
        final AtomicReference<Runnable> afterIsEmpty = new AtomicReference<>();

        @Override
        public Task poll(long timeout, TimeUnit unit) throws InterruptedException {
            Task t = super.poll(timeout, unit);
            if (t == null) {
                fire(afterTimedOutPoll);
            }
            return t;
        }

        @Override
        public boolean offer(Task t) {
            fire(beforeOffer);
            return super.offer(t);
        }

        @Override
        public boolean isEmpty() {
            boolean empty = super.isEmpty();
            fire(afterIsEmpty);
            return empty;
        }

        private static void fire(AtomicReference<Runnable> hook) {
            Runnable r = hook.getAndSet(null);
            if (r != null) {
                r.run();
            }
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("scripted step never happened");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Submitter reads live == max, the only thread then times out, gives its slot back and sees
     * an empty queue, and only then does the submitter offer. Fails without execute's
     * offer-then-re-read-live check (the task would wait forever).
     */
    @Test
    void lastThreadLeavingBetweenSubmittersReadAndOfferStrandsNothing() throws Exception {
        ScriptedQueue q = new ScriptedQueue();
        CountDownLatch wTimedOut = new CountDownLatch(1);
        CountDownLatch sAtOffer = new CountDownLatch(1);
        CountDownLatch wChecked = new CountDownLatch(1);
        AtomicReference<Thread> w = new AtomicReference<>();
        q.afterTimedOutPoll.set(() -> {
            w.set(Thread.currentThread());
            wTimedOut.countDown();
            awaitQuietly(sAtOffer); // the submitter has read live == 1 and is about to offer
        });
        q.beforeOffer.set(() -> {
            sAtOffer.countDown();
            awaitQuietly(wChecked); // the thread has given its slot back and seen an empty queue
        });
        q.afterIsEmpty.set(wChecked::countDown);
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1)
                .threadKeepAlive(Duration.ofMillis(5)).handOffQueue(() -> q).build()) {
            pool.spawnBlocking(() -> "warm-up").join(DEADLINE); // starts the one thread
            await(wTimedOut, "the thread's poll to time out");

            JoinHandle<Thread> x = pool.spawnBlocking(Thread::currentThread);

            Thread ranOn = x.join(DEADLINE);
            assertThat(ranOn).as("a new thread was started for it").isNotSameAs(w.get());
            w.get().join(DEADLINE.toMillis());
            assertThat(w.get().isAlive()).isFalse();
        }
    }

    /**
     * The thread times out, the submitter (seeing live == max) queues its task and returns, and
     * only then does the thread give its slot back. Fails without the timed-out thread's
     * decrement-then-check-the-queue step (it would leave the task behind).
     */
    @Test
    void threadTimingOutWhileATaskIsQueuedTakesItsSlotBackAndRunsIt() throws Exception {
        ScriptedQueue q = new ScriptedQueue();
        CountDownLatch wTimedOut = new CountDownLatch(1);
        CountDownLatch sReturned = new CountDownLatch(1);
        AtomicReference<Thread> w = new AtomicReference<>();
        q.afterTimedOutPoll.set(() -> {
            w.set(Thread.currentThread());
            wTimedOut.countDown();
            awaitQuietly(sReturned); // the submitter has queued its task and checked live
        });
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1)
                .threadKeepAlive(Duration.ofMillis(5)).handOffQueue(() -> q).build()) {
            pool.spawnBlocking(() -> "warm-up").join(DEADLINE);
            await(wTimedOut, "the thread's poll to time out");

            JoinHandle<Thread> x = pool.spawnBlocking(Thread::currentThread);
            assertThat(pool.metrics().queuedTasks()).isEqualTo(1);
            sReturned.countDown();

            assertThat(x.join(DEADLINE)).as("the timed-out thread stayed for it").isSameAs(w.get());
        }
    }

    /**
     * Submitter 1 takes the only slot and its thread fails to start; meanwhile submitter 2 sees
     * the slot taken and queues behind it. Fails if the failing submitter, finding no thread
     * left, does not abandon the queue (submitter 2's handle would hang).
     */
    @Test
    void failedThreadStartAbandonsTasksQueuedBehindItWhenNoThreadIsLeft() throws Exception {
        CountDownLatch s1InFactory = new CountDownLatch(1);
        CountDownLatch s2Returned = new CountDownLatch(1);
        OutOfMemoryError oom = ThreadCreationFailureTest.nativeThreadOom();
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1)
                .threadFactory(r -> {
                    s1InFactory.countDown();
                    awaitQuietly(s2Returned);
                    throw oom;
                }).build()) {
            AtomicReference<JoinHandle<String>> h1 = new AtomicReference<>();
            Thread s1 = new Thread(() -> h1.set(pool.spawnBlocking(() -> "one")), "submitter-1");
            s1.start();
            await(s1InFactory, "submitter 1 to be creating the thread");

            JoinHandle<String> h2 = pool.spawnBlocking(() -> "two");
            assertThat(h2.isFinished()).as("queued behind the slot holder").isFalse();
            s2Returned.countDown();
            s1.join(DEADLINE.toMillis());

            for (JoinHandle<String> h : java.util.List.of(h1.get(), h2)) {
                assertThatThrownBy(() -> h.join(DEADLINE))
                        .isInstanceOf(TaskFailedException.class)
                        .cause().isSameAs(oom);
            }
            assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(0, 0, 0, 0));
        }
    }

    /**
     * A task accepted before shutdown reaches the queue only after shutdown has stopped the pool
     * and drained the queue. Fails if the submitter does not re-check for the stop after its
     * offer (the task would sit in a queue no thread will ever read).
     */
    @Test
    void taskOfferedAfterShutdownDrainedTheQueueIsAbandonedNotStranded() throws Exception {
        ScriptedQueue q = new ScriptedQueue();
        CountDownLatch sAtOffer = new CountDownLatch(1);
        CountDownLatch shutdownReturned = new CountDownLatch(1);
        q.beforeOffer.set(() -> {
            sAtOffer.countDown();
            awaitQuietly(shutdownReturned);
        });
        ElasticBlockingPool pool = ElasticBlockingPool.builder().maxBlockingThreads(1)
                .context(RuntimeContext.named("late-offer")).handOffQueue(() -> q).build();
        CountDownLatch started = new CountDownLatch(1);
        JoinHandle<Void> blocker = pool.spawnBlocking(() -> {
            started.countDown();
            new CountDownLatch(1).await(); // until interrupted by the shutdown
            return null;
        });
        await(started, "the blocker to occupy the only thread");
        AtomicReference<JoinHandle<String>> x = new AtomicReference<>();
        Thread s = new Thread(() -> x.set(pool.spawnBlocking(() -> "x")), "late-submitter");
        s.start();
        await(sAtOffer, "the submitter to be about to queue");

        BlockingPoolShutdown report = pool.shutdown(Duration.ofMillis(50));
        shutdownReturned.countDown();
        s.join(DEADLINE.toMillis());

        assertThat(report).isEqualTo(new BlockingPoolShutdown(false, 0, 1, 0));
        assertThatThrownBy(() -> blocker.join(DEADLINE)).isInstanceOf(TaskCancelledException.class);
        assertThatThrownBy(() -> x.get().join(DEADLINE))
                .isInstanceOf(TaskFailedException.class)
                .cause()
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("blocking pool shut down before this task ran");
        assertThat(pool.metrics()).isEqualTo(new BlockingPoolMetrics(0, 0, 0, 0));
        assertThat(PoolTestSupport.threadsNamed("late-offer")).isEmpty();
    }
}
