package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.junit.jupiter.api.Test;

/**
 * Model checks the no-lost-wake-up handshake of {@link IdleWorkers} as the
 * {@link WorkStealingDispatcher} drives it. Fails if a task can be stranded: queued while every
 * worker that could run it is parked and none is searching, so that nobody ever runs it. That
 * happens if a producer's notification is dropped while the last searcher parks (rule 4 of
 * {@link IdleWorkers}: the last searcher to park must re-check the queues), while the last
 * searcher starts a task (rule 3: it must hand the search on if work is left), or if two
 * searchers stopping at once can both believe the other is still searching (the "last
 * searcher" decision must come from the decrement itself). It also fails if the idle state
 * does not add up once the runtime is quiet (searchers left over, a parked worker not counted).
 *
 * <p><b>The model.</b> Each worker thread runs the dispatcher's worker loop reduced to the
 * handshake ({@code Worker.loop}, {@code stealWork}, {@code runTask}, {@code park}) on the real
 * {@link IdleWorkers} (or a broken copy, behind {@link Idle}). Every queue (local queues, LIFO
 * slots, the injection queue) is one counter of queued tasks,
 * {@link ReducedDispatcher#queued}; a producer is {@code execute()}: queue a task, then
 * {@code notifyParked()}. A searcher looks once ({@code busyWait} zero). {@code parker.park()}
 * is one look: a worker that a notifier has picked ({@link IdleWorkers#workerToNotify}) goes
 * on searching; one that nobody has picked yet ends its thread, asleep. Once every thread has
 * ended, the main thread resumes each asleep worker that a notifier picked meanwhile (what its
 * unpark would do) until the runtime is quiet, and asserts that no task is left queued. A
 * task can "run long": its worker stays busy to the end of the scenario, as a worker running
 * a long task would, and the queued work must find another worker. Left out: shutdown
 * ({@code closing}, {@code terminated}, {@code unparkById}), the busy-wait, and
 * {@code park()}'s first look at its own queues (the one counter stands for them).
 *
 * <p><b>Out of reach.</b> Lincheck's model is sequentially consistent, so removing the full
 * fence of {@code notifyParked()}, or weakening the memory mode of an idle-state access while
 * each update stays atomic, passes here; such reorderings are jcstress's job. The parker
 * itself is {@link ParkerLincheckTest}'s.
 *
 * <p>Each scenario is also run against a broken copy of {@link IdleWorkers} with one plausible
 * mutation, and must fail there: see the {@code ...CatchesA...} tests. Lincheck finds each
 * within 50 invocations; the scenarios run {@value #INVOCATIONS}.
 *
 * <p><b>Harness note.</b> Each scenario builds its idle state with {@code new} (or
 * {@link Idle#real}) in its own code. Passed in as a constructor reference instead
 * ({@code IntFunction<Idle> f = IdleWorkersWithRacyLastSearcher::new}), the broken copy passed
 * 10,000 invocations of the two-searcher scenario that fails within 50 when it is built with
 * {@code new} (Lincheck 3.7 then misses the race; the cause was not pinned down). The
 * mutation tests would catch such a change.
 */
class IdleWorkersLincheckTest {

    private static final int INVOCATIONS = 1_000;
    /** A worker loop that runs longer than this in a scenario with a handful of tasks is stuck. */
    private static final int MAX_ROUNDS = 8;

    /**
     * What the dispatcher uses of {@link IdleWorkers}, so that a broken copy can stand in for
     * it. {@link #real} adapts the class itself.
     */
    interface Idle {
        int workerToNotify();

        boolean transitionToSearching();

        boolean transitionFromSearching();

        boolean transitionToParked(int worker, boolean searching);

        boolean isParked(int worker);

        int parkedCount();

        int searchingCount();

        static Idle real(int numWorkers) {
            IdleWorkers idle = new IdleWorkers(numWorkers);
            return new Idle() {
                @Override
                public int workerToNotify() {
                    return idle.workerToNotify();
                }

                @Override
                public boolean transitionToSearching() {
                    return idle.transitionToSearching();
                }

                @Override
                public boolean transitionFromSearching() {
                    return idle.transitionFromSearching();
                }

                @Override
                public boolean transitionToParked(int worker, boolean searching) {
                    return idle.transitionToParked(worker, searching);
                }

                @Override
                public boolean isParked(int worker) {
                    return idle.isParked(worker);
                }

                @Override
                public int parkedCount() {
                    return idle.parkedCount();
                }

                @Override
                public int searchingCount() {
                    return idle.searchingCount();
                }
            };
        }
    }

    /** What a worker's first task does; every later task just runs. */
    enum FirstTask {
        /** Runs and returns. */
        QUICK,
        /** Runs past the end of the scenario: its worker stays busy. */
        RUNS_LONG
    }

    /** The dispatcher reduced to its handshake: the idle state and a count of queued tasks. */
    static final class ReducedDispatcher {
        final Idle idle;
        /** Tasks in any queue (local queues, LIFO slots, the injection queue). */
        final AtomicInteger queued = new AtomicInteger();
        final AtomicInteger pushed = new AtomicInteger();
        final AtomicInteger ran = new AtomicInteger();
        final Worker[] workers;
        /** Set by a worker thread that went wrong; the main thread throws it. */
        volatile String failure;

        ReducedDispatcher(Idle idle, int numWorkers) {
            this.idle = idle;
            this.workers = new Worker[numWorkers];
            for (int i = 0; i < numWorkers; i++) {
                workers[i] = new Worker(this, i);
            }
        }

        /** Initial state: worker {@code i} parked, and its thread not started (asleep). */
        ReducedDispatcher parked(int i) {
            idle.transitionToParked(i, false);
            workers[i].asleep = true;
            return this;
        }

        /** Initial state: worker {@code i} searching (it was just woken, or is stealing). */
        ReducedDispatcher searching(int i) {
            if (!idle.transitionToSearching()) {
                throw new IllegalStateException("worker " + i + " may not search");
            }
            workers[i].searching = true;
            return this;
        }

        /** Initial state: {@code n} tasks queued, found by the active workers. */
        ReducedDispatcher queued(int n) {
            queued.set(n);
            pushed.set(n);
            return this;
        }

        /** {@code execute()} from outside the runtime: inject a task, then notify. */
        void execute() {
            pushed.incrementAndGet();
            queued.incrementAndGet();
            notifyParked();
        }

        /** As {@link WorkStealingDispatcher#notifyParked()}. */
        void notifyParked() {
            VarHandle.fullFence();
            idle.workerToNotify(); // the picked worker's parker.unpark(): see Worker.park
        }

        /** As {@link WorkStealingDispatcher#notifyIfWorkPending()}. */
        void notifyIfWorkPending() {
            if (queued.get() > 0) {
                notifyParked();
            }
        }

        /** Takes a queued task if there is one (a pop, a steal or a poll of the global queue). */
        boolean take() {
            for (;;) {
                int n = queued.get();
                if (n == 0) {
                    return false;
                }
                if (queued.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
        }

        /**
         * After every thread has ended: resumes each asleep worker that a notifier picked (what
         * its unpark does), until no picked worker is left; then asserts that the runtime is
         * quiet with nothing stranded.
         */
        void settleAndCheck() {
            if (failure != null) {
                throw new AssertionError(failure);
            }
            for (boolean resumed = true; resumed; ) {
                resumed = false;
                for (Worker w : workers) {
                    if (w.asleep && !idle.isParked(w.index)) {
                        w.asleep = false;
                        w.searching = true; // a notifier counted it as unparked and searching
                        w.runUntilAsleep();
                        resumed = true;
                    }
                }
            }
            if (failure != null) {
                throw new AssertionError(failure);
            }
            if (queued.get() != 0) {
                throw new AssertionError("lost wake-up: " + queued.get()
                        + " task(s) stranded with no worker awake to run them; " + this);
            }
            int busy = 0;
            for (Worker w : workers) {
                busy += w.busy ? 1 : 0;
            }
            if (ran.get() != pushed.get() || idle.searchingCount() != 0
                    || idle.parkedCount() != workers.length - busy) {
                throw new AssertionError("idle state does not add up once quiet: " + this);
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("queued=").append(queued.get())
                    .append(" pushed=").append(pushed.get()).append(" ran=").append(ran.get())
                    .append(" parked=").append(idle.parkedCount())
                    .append(" searching=").append(idle.searchingCount());
            for (Worker w : workers) {
                sb.append(" w").append(w.index).append('=').append(w.busy ? "busy"
                        : idle.isParked(w.index) ? "parked" : w.asleep ? "picked" : "awake");
            }
            return sb.toString();
        }
    }

    /** One worker: {@code WorkStealingDispatcher.Worker}'s loop, reduced to the handshake. */
    static final class Worker {
        final ReducedDispatcher d;
        final int index;
        boolean searching;
        /** Parked and its thread ended: only a notifier's pick resumes it. */
        boolean asleep;
        /** Running a task that lasts past the end of the scenario. */
        boolean busy;
        FirstTask firstTask = FirstTask.QUICK;
        private int tasksRun;

        Worker(ReducedDispatcher d, int index) {
            this.d = d;
            this.index = index;
        }

        /** {@code Worker.loop()} until the worker parks unpicked or starts a long task. */
        void runUntilAsleep() {
            for (int round = 0; round < MAX_ROUNDS; round++) {
                boolean found = d.take(); // nextTask(): own LIFO slot and queue, global queue
                if (!found) {
                    found = stealWork();
                }
                if (found) {
                    runTask();
                    if (busy) {
                        return;
                    }
                } else if (!park()) {
                    return;
                }
            }
            d.failure = "worker " + index + " still looping after " + MAX_ROUNDS + " rounds; "
                    + d;
        }

        /** {@code stealWork()} with {@code busyWait} zero: one look as a searcher. */
        private boolean stealWork() {
            if (!searching) {
                if (!d.idle.transitionToSearching()) {
                    return false;
                }
                searching = true;
            }
            return d.take();
        }

        /** {@code runTask()}: stop searching (the last searcher re-checks), then run. */
        private void runTask() {
            if (searching) {
                searching = false;
                if (d.idle.transitionFromSearching()) {
                    d.notifyIfWorkPending(); // last searcher: hand the role on
                }
            }
            d.ran.incrementAndGet();
            if (tasksRun++ == 0 && firstTask == FirstTask.RUNS_LONG) {
                busy = true;
            }
        }

        /**
         * {@code park()}: announce, re-check if it was the last searcher, then block until a
         * notifier picks it. Returns false if none has yet (the thread would block here).
         */
        private boolean park() {
            boolean last = d.idle.transitionToParked(index, searching);
            searching = false;
            if (last) {
                d.notifyIfWorkPending();
            }
            if (d.idle.isParked(index)) {
                asleep = true;
                return false;
            }
            searching = true; // a notifier counted it as unparked and searching
            return true;
        }
    }

    /** Forks a thread running worker {@code i}'s loop. */
    private static Thread workerThread(ReducedDispatcher d, int i) {
        return fork(d.workers[i]::runUntilAsleep);
    }

    // Two workers, one parked. The other worker finds nothing, searches and parks while a task
    // is injected. Fails if the injection can be stranded: the producer sees the searcher and
    // wakes nobody, and the searcher parks without re-checking (rule 4), or parks before its
    // announcement can be seen by the producer.
    private static void injectionRacingTheLastSearcherParking(Idle twoWorkers) {
        ReducedDispatcher d = new ReducedDispatcher(twoWorkers, 2).parked(1);
        Thread worker = workerThread(d, 0);
        Thread producer = fork(d::execute);
        joinAll(worker, producer);
        d.settleAndCheck();
    }

    // Two workers, one parked, the other searching with one task queued, which it will run
    // long. A second task is injected meanwhile. Fails if that task can be stranded behind the
    // long task: the producer sees the searcher and wakes nobody, and the searcher starts its
    // task without handing the search on (rule 3).
    private static void injectionRacingTheLastSearcherStartingALongTask(Idle twoWorkers) {
        ReducedDispatcher d = new ReducedDispatcher(twoWorkers, 2)
                .parked(1).searching(0).queued(1);
        d.workers[0].firstTask = FirstTask.RUNS_LONG;
        Thread worker = workerThread(d, 0);
        Thread producer = fork(d::execute);
        joinAll(worker, producer);
        d.settleAndCheck();
    }

    // Four workers, two parked and two searching (at most half may search), one task queued;
    // each searcher runs its first task long. A second task is injected while one searcher
    // starts the first task and the other finds nothing and parks. Fails if both searchers can
    // stop, each believing the other one is still searching, so that neither re-checks the
    // queues (a "last searcher" decided by a read apart from the decrement).
    private static void injectionRacingTwoSearchersStopping(Idle fourWorkers) {
        ReducedDispatcher d = new ReducedDispatcher(fourWorkers, 4).parked(2).parked(3)
                .searching(0).searching(1).queued(1);
        d.workers[0].firstTask = FirstTask.RUNS_LONG;
        d.workers[1].firstTask = FirstTask.RUNS_LONG;
        Thread w0 = workerThread(d, 0);
        Thread w1 = workerThread(d, 1);
        Thread producer = fork(d::execute);
        joinAll(w0, w1, producer);
        d.settleAndCheck();
    }

    // Two workers, both parked (an idle runtime), two tasks injected at once. Fails if both
    // notifiers can decide not to wake anyone, or if picking a worker to wake can leave the
    // idle state inconsistent (a worker woken twice, or woken but not counted as searching).
    private static void twoInjectionsIntoAnIdleRuntime(Idle twoWorkers) {
        ReducedDispatcher d = new ReducedDispatcher(twoWorkers, 2).parked(0).parked(1);
        Thread producer1 = fork(d::execute);
        Thread producer2 = fork(d::execute);
        joinAll(producer1, producer2);
        d.settleAndCheck();
    }

    @Test
    void taskInjectedWhileTheLastSearcherParksIsNotStranded() {
        check(INVOCATIONS, () -> injectionRacingTheLastSearcherParking(Idle.real(2)));
    }

    @Test
    void taskInjectedWhileTheLastSearcherStartsALongTaskIsNotStranded() {
        check(INVOCATIONS, () -> injectionRacingTheLastSearcherStartingALongTask(Idle.real(2)));
    }

    @Test
    void taskInjectedWhileTwoSearchersStopIsNotStranded() {
        check(INVOCATIONS, () -> injectionRacingTwoSearchersStopping(Idle.real(4)));
    }

    @Test
    void twoTasksInjectedIntoAnIdleRuntimeWakeAWorker() {
        check(INVOCATIONS, () -> twoInjectionsIntoAnIdleRuntime(Idle.real(2)));
    }

    // The model must have teeth: each scenario fails on a copy of IdleWorkers with the
    // mutation it is meant to catch.

    @Test
    void parkingScenarioCatchesALastSearcherThatParksWithoutRecheck() {
        assertThatThrownBy(() -> check(INVOCATIONS,
                () -> injectionRacingTheLastSearcherParking(
                        new IdleWorkersParkingWithoutRecheck(2))))
                .isInstanceOf(LincheckAssertionError.class)
                .hasMessageContaining("lost wake-up");
    }

    @Test
    void longTaskScenarioCatchesALastSearcherThatDoesNotHandTheSearchOn() {
        assertThatThrownBy(() -> check(INVOCATIONS,
                () -> injectionRacingTheLastSearcherStartingALongTask(
                        new IdleWorkersStartingTasksWithoutHandOff(2))))
                .isInstanceOf(LincheckAssertionError.class)
                .hasMessageContaining("lost wake-up");
    }

    @Test
    void twoSearchersScenarioCatchesALastSearcherDecidedApartFromTheDecrement() {
        assertThatThrownBy(() -> check(INVOCATIONS,
                () -> injectionRacingTwoSearchersStopping(new IdleWorkersWithRacyLastSearcher(4))))
                .isInstanceOf(LincheckAssertionError.class)
                .hasMessageContaining("lost wake-up");
    }

    @Test
    void idleRuntimeScenarioCatchesAWokenWorkerNotCountedAsSearching() {
        assertThatThrownBy(() -> check(INVOCATIONS,
                () -> twoInjectionsIntoAnIdleRuntime(new IdleWorkersWakingWithoutSearching(2))))
                .isInstanceOf(LincheckAssertionError.class)
                .hasMessageContaining("does not add up");
    }
}
