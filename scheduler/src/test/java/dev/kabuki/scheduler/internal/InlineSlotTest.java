package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inline hand-off ({@link InlineSlot}): a host thread keeps the tasks it schedules while every
 * worker is parked and runs them itself; otherwise, and beyond its capacity, the pool takes them;
 * every task runs or is abandoned exactly once.
 */
@Timeout(300)
class InlineSlotTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private WorkStealingDispatcher dispatcher;

    private WorkStealingDispatcher start(int workers) {
        dispatcher = WorkStealingDispatcher.builder().workerThreads(workers).busyWait(Duration.ZERO)
                .context(RuntimeContext.named("inline")).build();
        return dispatcher;
    }

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.shutdown(Duration.ofSeconds(10));
        }
    }

    /** Runs {@code body} on a host thread of {@code d} and returns what it threw, if anything. */
    private static Throwable onHost(WorkStealingDispatcher d, ThrowingConsumer body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        InlineSlot.HostThread host = InlineSlot.newHostThread(d, () -> {
            try {
                body.accept(((InlineSlot.HostThread) Thread.currentThread()).inlineSlot());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "inline-host");
        host.start();
        host.join(TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS) * 2);
        assertThat(host.isAlive()).as("the host thread ended").isFalse();
        return failure.get();
    }

    interface ThrowingConsumer {
        void accept(InlineSlot slot) throws Exception;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 30 s: " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private static void awaitAllParked(WorkStealingDispatcher d) {
        await("every worker parked", () -> d.idle.parkedCount() == d.workerCount());
    }

    /** A task recording the thread that ran it and counting down {@code done}. */
    private static Task recording(AtomicReference<String> ranOn, CountDownLatch done) {
        return new Task() {
            @Override
            public void run() {
                ranOn.set(Thread.currentThread().getName());
                done.countDown();
            }

            @Override
            public void abandon(Throwable reason) {
                ranOn.set("abandoned: " + reason.getMessage());
                done.countDown();
            }
        };
    }

    @Test
    void whileEveryWorkerIsParkedTheHostKeepsTheTaskAndRunsItItself() throws Exception {
        WorkStealingDispatcher d = start(2);
        AtomicReference<String> inline = new AtomicReference<>();
        AtomicReference<String> closed = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        Throwable failure = onHost(d, slot -> {
            awaitAllParked(d);
            slot.open("first");
            d.execute(recording(inline, done));
            slot.close();
            assertThat(slot.holdsTask()).isTrue();
            assertThat(d.idle.parkedCount()).as("no worker was woken for the kept task").isEqualTo(2);
            d.execute(recording(closed, done)); // slot closed: the pool takes it
            assertThat(slot.runNext()).isEqualTo("first");
            assertThat(slot.lastRunNanos()).isPositive();
            assertThat(slot.holdsTask()).isFalse();
            assertThat(slot.runNext()).isNull();
            assertThat(slot.lastRunNanos()).isZero();
        });
        assertThat(failure).isNull();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(inline.get()).isEqualTo("inline-host");
        assertThat(closed.get()).startsWith("inline-worker-");
    }

    @Test
    void aPoolWithNoParkedWorkerTakesTheTaskEvenWithTheSlotOpen() throws Exception {
        WorkStealingDispatcher d = start(2);
        CountDownLatch busy = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 2; i++) {
            d.spawn(() -> {
                busy.countDown();
                return release.await(60, TimeUnit.SECONDS);
            });
        }
        assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Throwable failure = onHost(d, slot -> {
            slot.open("busy");
            d.execute(recording(ranOn, done));
            slot.close();
            assertThat(slot.holdsTask()).as("no worker parked: nothing to save by keeping it").isFalse();
        });
        release.countDown();
        assertThat(failure).isNull();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get()).startsWith("inline-worker-");
    }

    @Test
    void beyondItsCapacityTasksGoToThePoolAndHandOffRestGivesItTheKeptOnes() throws Exception {
        WorkStealingDispatcher d = start(2);
        int n = InlineSlot.CAPACITY + 5;
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        AtomicInteger onHost = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        CountDownLatch overflowRan = new CountDownLatch(n - InlineSlot.CAPACITY);
        Throwable failure = onHost(d, slot -> {
            awaitAllParked(d);
            slot.open("batch");
            for (int i = 0; i < n; i++) {
                int id = i;
                d.execute(new Task() {
                    @Override
                    public void run() {
                        runs.incrementAndGet(id);
                        if (Thread.currentThread().getName().equals("inline-host")) {
                            onHost.incrementAndGet();
                        }
                        if (id >= InlineSlot.CAPACITY) {
                            overflowRan.countDown();
                        }
                        done.countDown();
                    }

                    @Override
                    public void abandon(Throwable reason) {
                        throw new AssertionError("abandoned", reason);
                    }
                });
            }
            slot.close();
            // The slot held the first CAPACITY; the rest went to the pool at once and ran there.
            assertThat(overflowRan.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < InlineSlot.CAPACITY; i++) {
                assertThat(runs.get(i)).as("held task %d not run yet", i).isZero();
            }
            assertThat(slot.runNext()).isEqualTo("batch"); // the oldest, here
            slot.handOffRest();
            assertThat(slot.holdsTask()).isFalse();
        });
        assertThat(failure).isNull();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < n; i++) {
            assertThat(runs.get(i)).as("task %d ran once", i).isEqualTo(1);
        }
        assertThat(onHost.get()).isEqualTo(1);
    }

    @Test
    void aTaskHeldWhenThePoolShutsDownIsAbandonedNotRun() throws Exception {
        WorkStealingDispatcher d = start(1);
        AtomicReference<String> outcome = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Throwable failure = onHost(d, slot -> {
            awaitAllParked(d);
            slot.open("doomed");
            d.execute(recording(outcome, done));
            slot.close();
            assertThat(slot.holdsTask()).isTrue();
            d.shutdown(Duration.ofSeconds(10));
            assertThat(slot.runNext()).isEqualTo("doomed"); // abandoned: its tag, no run
            assertThat(slot.lastRunNanos()).isZero();
        });
        assertThat(failure).isNull();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).startsWith("abandoned: ").contains("shut down before the task ran");
        assertThat(d.abandonedCount.get()).isEqualTo(1);
    }

    @Test
    void joinOnAHostThreadFailsFastLikeOnACoreWorker() throws Exception {
        WorkStealingDispatcher d = start(1);
        CountDownLatch release = new CountDownLatch(1);
        JoinHandle<Boolean> pending = d.spawn(() -> release.await(60, TimeUnit.SECONDS));
        Throwable failure = onHost(d, slot -> pending.join());
        release.countDown();
        assertThat(failure).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("I/O thread 'inline-host'").hasMessageContaining("spawnBlocking");
        assertThat(pending.join(Duration.ofSeconds(30))).isTrue();
    }

    /**
     * Contention: a host keeps, runs and hands off batches while 4 other threads inject tasks
     * and every task spawns a child (from the host's inline runs those go to the pool). In even
     * rounds every worker is parked before the batch, so the inline path is taken; in odd rounds
     * the pool is in whatever state the last round left. Every task and child runs exactly once.
     */
    @Test
    void underContentionEveryTaskRunsExactlyOnceWhereverItRuns() throws Exception {
        for (int workers : new int[] {2, 4}) {
            WorkStealingDispatcher d = start(workers);
            int rounds = 200;
            int batch = 24;
            int injectedPerRound = 4 * 50;
            int perRound = 2 * (batch + injectedPerRound);
            AtomicIntegerArray runs = new AtomicIntegerArray(rounds * perRound);
            AtomicInteger onHost = new AtomicInteger();
            List<String> errors = new ArrayList<>();
            Throwable failure = onHost(d, slot -> {
                for (int round = 0; round < rounds; round++) {
                    int base = round * perRound;
                    CountDownLatch done = new CountDownLatch(perRound);
                    if (round % 2 == 0) {
                        awaitAllParked(d);
                    }
                    List<CompletableFuture<Void>> injectors = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        int first = base + 2 * batch + t * 2 * 50;
                        injectors.add(CompletableFuture.runAsync(() -> {
                            for (int i = 0; i < 50; i++) {
                                d.execute(counted(d, runs, first + 2 * i, done, onHost));
                            }
                        }));
                    }
                    // Two batches, each task under its batch's tag: part of the first runs here
                    // before the second is kept behind the rest of it (as tasks held across a
                    // loop's turns are); then all run here, or (every 4th round) part runs and
                    // the rest is handed off.
                    for (int i = 0; i < batch / 2; i++) {
                        slot.open("a");
                        d.execute(counted(d, runs, base + 2 * i, done, onHost));
                        slot.close();
                    }
                    for (int ran = 0; ran < batch / 6 && slot.holdsTask(); ran++) {
                        assertThat(slot.runNext()).isEqualTo("a");
                    }
                    for (int i = batch / 2; i < batch; i++) {
                        slot.open("b");
                        d.execute(counted(d, runs, base + 2 * i, done, onHost));
                        slot.close();
                    }
                    boolean seenB = false;
                    for (int ran = 0; slot.holdsTask() && (round % 4 != 3 || ran < batch / 4); ran++) {
                        Object tag = slot.runNext();
                        assertThat(tag).as("FIFO: no 'a' after a 'b'").isNotEqualTo(seenB ? "a" : null);
                        seenB |= "b".equals(tag);
                    }
                    slot.handOffRest();
                    CompletableFuture.allOf(injectors.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                    if (!done.await(30, TimeUnit.SECONDS)) {
                        errors.add("round " + round + " with " + workers + " workers: " + done.getCount() + " tasks never ran");
                        return;
                    }
                }
            });
            assertThat(failure).isNull();
            assertThat(errors).isEmpty();
            for (int i = 0; i < runs.length(); i++) {
                assertThat(runs.get(i)).as("task %d with %d workers ran once", i, workers).isEqualTo(1);
            }
            assertThat(onHost.get()).as("the inline path was taken").isPositive();
            dispatcher.shutdown(Duration.ofSeconds(10));
            dispatcher = null;
        }
    }

    /** Task {@code id}: counts its run, then spawns child {@code id + 1} (which only counts). */
    private static Task counted(WorkStealingDispatcher d, AtomicIntegerArray runs, int id, CountDownLatch done,
                                AtomicInteger onHost) {
        return new Task() {
            @Override
            public void run() {
                runs.incrementAndGet(id);
                if (Thread.currentThread() instanceof InlineSlot.HostThread) {
                    onHost.incrementAndGet();
                }
                done.countDown();
                d.execute(new Task() {
                    @Override
                    public void run() {
                        runs.incrementAndGet(id + 1);
                        done.countDown();
                    }

                    @Override
                    public void abandon(Throwable reason) {
                        throw new AssertionError("child abandoned", reason);
                    }
                });
            }

            @Override
            public void abandon(Throwable reason) {
                throw new AssertionError("abandoned", reason);
            }
        };
    }
}
