package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.WorkStealingDispatcherTest.await;
import static dev.kabuki.scheduler.internal.WorkStealingDispatcherTest.dispatcher;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The lingering slot of {@link WorkStealingDispatcher}'s workers ({@code Worker.linger}), driven
 * by {@link ModelActivation}, a mailbox reduced to the protocol the dispatcher sees: a token
 * taken by CAS, a queue of hop counts, lingering when it runs out, releasing the token with the
 * idle race's re-check.
 */
class WorkerLingerTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    /**
     * An actor's mailbox as the dispatcher sees it. {@code send} appends then takes the token if
     * free (a CAS) and schedules; {@code run} takes up to {@link #BATCH} messages, re-submits
     * itself (keeping the token) if more remain, else asks to linger and otherwise releases.
     * {@code release} clears the token (a volatile store), then re-checks the queue: with the
     * sender's append-then-CAS, all volatile, a message is never stranded. Overlapping runs and
     * runs without the token are recorded, never thrown (a task must not throw).
     */
    static final class ModelActivation implements LingeringTask {
        static final int BATCH = 16;

        final WorkStealingDispatcher d;
        final ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean token = new AtomicBoolean();
        final AtomicBoolean running = new AtomicBoolean();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicLong processed = new AtomicLong();
        final AtomicLong releases = new AtomicLong();
        final AtomicLong lingers = new AtomicLong();
        final AtomicInteger abandoned = new AtomicInteger();
        /** What a message does (told the hop count); set before the first send. */
        volatile IntConsumer onMessage = hops -> { };
        /** Runs after the batch, before lingering (a test's hook). */
        volatile Runnable afterBatch = () -> { };
        volatile boolean lastLingerGranted;
        /** Runs finished, the linger asked for or the token released (written last in a run). */
        final AtomicInteger runsEnded = new AtomicInteger();

        ModelActivation(WorkStealingDispatcher d) {
            this.d = d;
        }

        void send(int hops) {
            queue.add(hops);
            if (token.compareAndSet(false, true)) {
                d.execute(this);
            }
        }

        @Override
        public void run() {
            if (!token.get() || running.getAndSet(true)) {
                overlaps.incrementAndGet();
                return;
            }
            int n = 0;
            Integer hops;
            while (n < BATCH && (hops = queue.poll()) != null) {
                n++;
                processed.incrementAndGet();
                onMessage.accept(hops);
            }
            afterBatch.run();
            running.set(false);
            if (!queue.isEmpty()) {
                d.executeYielded(this); // keeps the token
                runsEnded.incrementAndGet();
                return;
            }
            lastLingerGranted = d.linger(this);
            if (lastLingerGranted) {
                lingers.incrementAndGet();
            } else {
                release();
            }
            runsEnded.incrementAndGet();
        }

        @Override
        public boolean hasWork() {
            return !queue.isEmpty();
        }

        @Override
        public void release() {
            if (running.get() || !token.get()) {
                overlaps.incrementAndGet(); // released while running, or without the token
            }
            releases.incrementAndGet();
            token.set(false);
            if (!queue.isEmpty() && token.compareAndSet(false, true)) {
                d.execute(this);
            }
        }

        @Override
        public void abandon(Throwable reason) {
            abandoned.incrementAndGet();
            token.set(false);
        }
    }

    /**
     * Fails if lingering does not happen (each turn would release the token: about one release
     * per message), or if it runs a partner twice or drops a message.
     */
    @Test
    void twoActivationsTellingEachOtherKeepTheirTokensAndLoseNothing() {
        WorkStealingDispatcher d = dispatcher(2, "linger-pair");
        try {
            int hops = 200_000;
            ModelActivation a = new ModelActivation(d);
            ModelActivation b = new ModelActivation(d);
            a.onMessage = h -> {
                if (h > 0) {
                    b.send(h - 1);
                }
            };
            b.onMessage = h -> {
                if (h > 0) {
                    a.send(h - 1);
                }
            };
            a.send(hops);
            await("every hop handled", () -> a.processed.get() + b.processed.get() == hops + 1);
            await("both tokens released", () -> !a.token.get() && !b.token.get());
            assertThat(a.overlaps.get() + b.overlaps.get()).as("overlapping runs").isZero();
            assertThat(a.processed.get() + b.processed.get()).isEqualTo(hops + 1);
            assertThat(a.releases.get() + b.releases.get())
                    .as("token releases for %d messages", hops + 1).isLessThan(hops / 100);
        } finally {
            d.shutdown(LONG);
        }
    }

    /**
     * Fails if a lingering activation with work can be held by a long task after it: the
     * activation schedules a task that blocks (into the LIFO slot: it runs next on this worker)
     * and lingers; a message then comes for it from outside, which takes no token (it is held).
     * The stuck-worker monitor must count the lingering activation as work held behind the stuck
     * worker, and a searcher must steal it. The other worker may steal the blocking task from the
     * LIFO slot first; then nothing is held behind it, and the attempt starts again on a fresh
     * dispatcher (20 attempts at most).
     */
    @Test
    void aLingeringActivationIsNotHeldHostageByALongTaskAfterIt() throws Exception {
        final int attempts = 20;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (hostageAttempt(attempt)) {
                return;
            }
        }
        throw new AssertionError("in " + attempts + " attempts the other worker always stole the"
                + " blocking task");
    }

    /** One attempt of the hostage case; false if the blocking task was stolen (ran elsewhere). */
    private static boolean hostageAttempt(int attempt) throws Exception {
        WorkStealingDispatcher d = dispatcher(2, "linger-hostage-" + attempt);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        try {
            ModelActivation a = new ModelActivation(d);
            AtomicBoolean first = new AtomicBoolean(true);
            AtomicReference<Thread> activationThread = new AtomicReference<>();
            AtomicReference<Thread> blockingThread = new AtomicReference<>();
            a.afterBatch = () -> {
                if (first.getAndSet(false)) {
                    activationThread.set(Thread.currentThread());
                    d.execute(new RunnableTask(() -> {
                        blockingThread.set(Thread.currentThread());
                        blocking.countDown();
                        JoinHandleTest.awaitUninterruptibly(release);
                    }));
                }
            };
            a.send(0);
            assertThat(blocking.await(30, TimeUnit.SECONDS)).isTrue();
            await("the first run ended", () -> a.runsEnded.get() == 1);
            if (blockingThread.get() != activationThread.get()) {
                return false; // the other worker stole the blocking task: nothing is held behind it
            }
            // The blocking task ran next on the activation's worker: it was in the LIFO slot when
            // the activation asked to linger, so the linger was granted and is held there now.
            assertThat(a.lastLingerGranted).as("the activation lingers behind the blocking task").isTrue();
            assertThat(a.token.get()).isTrue();
            a.send(0); // the token is held: this schedules nothing
            await("the lingering activation ran elsewhere", () -> a.processed.get() == 2);
            assertThat(release.getCount()).as("while the blocking task still blocks").isEqualTo(1);
            assertThat(a.overlaps.get()).isZero();
            return true;
        } finally {
            release.countDown();
            d.shutdown(LONG);
        }
    }

    /**
     * Fails if a linger that no work ends keeps the token (the next sender could never schedule
     * it): the activation schedules a short task (it runs next, so the linger is granted) and
     * nothing tells it back. One worker, so that no other worker can steal the short task before
     * the activation asks to linger (it would then be refused).
     */
    @Test
    void aLingerThatNoWorkEndsReleasesTheToken() {
        WorkStealingDispatcher d = dispatcher(1, "linger-idle");
        try {
            ModelActivation a = new ModelActivation(d);
            AtomicInteger shortTasks = new AtomicInteger();
            a.afterBatch = () -> d.execute(new RunnableTask(shortTasks::incrementAndGet));
            a.send(0);
            await("released", () -> a.releases.get() == 1 && !a.token.get());
            assertThat(a.lingers.get()).as("it lingered first").isEqualTo(1);
            a.send(0);
            await("scheduled again and handled", () -> a.processed.get() == 2 && a.releases.get() == 2);
            assertThat(a.overlaps.get()).isZero();
            await("the short tasks ran", () -> shortTasks.get() == 2);
        } finally {
            d.shutdown(LONG);
        }
    }

    /**
     * An activation with no task to run after it on its worker (an actor fed from outside, a
     * fan-in consumer) has nothing to wait for: fails if it lingers instead of releasing at once.
     */
    @Test
    void anActivationWithNothingToRunNextReleasesAtOnce() {
        WorkStealingDispatcher d = dispatcher(2, "linger-none");
        try {
            ModelActivation a = new ModelActivation(d);
            a.send(0);
            await("released", () -> a.releases.get() == 1 && !a.token.get());
            assertThat(a.lingers.get()).as("lingers").isZero();
            assertThat(a.lastLingerGranted).isFalse();
        } finally {
            d.shutdown(LONG);
        }
    }

    /**
     * Hammers the slot: conversations on many activations, each message going to its partner
     * or, one time in eight, to a random activation (so lingers end both ways and activations
     * move between workers), while outside threads send too; 4 workers, on however many CPUs.
     * Fails on an overlapping run, a run without the token, a lost or doubled message, or a
     * token left held.
     */
    @Test
    void manyConversationsAndOutsideSendersLoseAndDoubleNothing() throws Exception {
        WorkStealingDispatcher d = dispatcher(4, "linger-stress");
        try {
            int n = 64;
            int hops = 2_000;
            int outsideThreads = 3;
            int outsideSends = 2_000;
            List<ModelActivation> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(new ModelActivation(d));
            }
            for (int i = 0; i < n; i++) {
                ModelActivation partner = all.get(i ^ 1);
                all.get(i).onMessage = h -> {
                    if (h > 0) {
                        ThreadLocalRandom r = ThreadLocalRandom.current();
                        (r.nextInt(8) == 0 ? all.get(r.nextInt(n)) : partner).send(h - 1);
                    }
                };
            }
            for (int i = 0; i < n; i += 2) {
                all.get(i).send(hops);
            }
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < outsideThreads; t++) {
                Thread s = new Thread(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int k = 0; k < outsideSends; k++) {
                        all.get(r.nextInt(n)).send(3);
                    }
                }, "linger-outside-" + t);
                senders.add(s);
                s.start();
            }
            for (Thread s : senders) {
                s.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(s.isAlive()).isFalse();
            }
            long expected = (long) (n / 2) * (hops + 1) + (long) outsideThreads * outsideSends * 4;
            await("every message handled", () -> all.stream().mapToLong(a -> a.processed.get()).sum() == expected);
            await("every token released", () -> all.stream().noneMatch(a -> a.token.get()));
            assertThat(all.stream().mapToInt(a -> a.overlaps.get()).sum()).as("overlapping runs").isZero();
            assertThat(all.stream().mapToLong(a -> a.processed.get()).sum()).isEqualTo(expected);
            assertThat(all.stream().mapToLong(a -> a.lingers.get()).sum()).as("lingers granted").isPositive();
            assertThat(all.stream().mapToInt(a -> a.abandoned.get()).sum()).isZero();
        } finally {
            d.shutdown(LONG);
        }
    }
}
