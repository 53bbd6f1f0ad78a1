package dev.kabuki.scheduler.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is searching for work and who is parked: the throttle that keeps an idle runtime at zero
 * CPU and stops a burst of work from waking every worker at once (Tokio's {@code idle.rs}).
 *
 * <h2>State</h2>
 * One {@code int}: the number of unparked workers in the high 16 bits and the number of
 * <em>searching</em> workers (unparked, looking for work to steal) in the low 16 bits; plus the
 * stack of parked worker indices, guarded by this object's monitor.
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>New work wakes a parked worker only if no worker is searching
 *       ({@link #workerToNotify()}): a searcher will find the work, or wake someone when it does
 *       (rule 3). The woken worker starts out searching.</li>
 *   <li>At most half the workers search at once ({@link #transitionToSearching()}).</li>
 *   <li>A searcher that finds work stops searching; if it was the last one
 *       ({@link #transitionFromSearching()} returns true), it re-checks every queue and wakes
 *       another worker if any work is left. (Tokio wakes one unconditionally; with nothing
 *       left that worker would only search, find nothing and park again, an unpark and a
 *       context switch per message in a request/response exchange. Work queued later is not
 *       missed: its producer sees zero searchers and wakes a worker itself, by the argument
 *       below.)</li>
 *   <li>A worker about to park that was the last searcher re-checks every queue after it has
 *       announced itself parked ({@link #transitionToParked} returns true). So does a worker
 *       that parks without having searched, if no one is searching once it has announced
 *       itself: it may have been refused the search (rule 2) only because a searcher was still
 *       about, which has since stopped.</li>
 * </ol>
 *
 * <h2>No lost wake-up</h2>
 * A producer queues a task, then (after a full fence, or with a queue whose push ends in a
 * sequentially consistent read-modify-write, as {@link InjectionQueue}'s does) reads the state. A last searcher going to
 * park decrements the state (a volatile read-modify-write), then reads the queues. Both are
 * sequentially consistent, so either the producer sees zero searchers and wakes a worker, or the
 * parking searcher sees the task. A producer that sees zero searchers but no parked worker
 * (every worker unparked) wakes nobody; a worker that announces its park after that read then
 * sees the task, whether it was the last searcher or, with no searcher left, did not search
 * (rule 4). The same holds for a last searcher that found work (rule 3):
 * its decrement, then its reads of the queues.
 */
final class IdleWorkers {
    private static final int UNPARKED_ONE = 1 << 16;
    private static final int SEARCHING_MASK = UNPARKED_ONE - 1;

    private final int numWorkers;
    private final AtomicInteger state;
    private final int[] sleepers; // guarded by this
    private int sleeperCount; // guarded by this

    IdleWorkers(int numWorkers) {
        this.numWorkers = numWorkers;
        this.state = new AtomicInteger(numWorkers * UNPARKED_ONE);
        this.sleepers = new int[numWorkers];
    }

    /**
     * Whether new work would wake a parked worker now: none is searching and one is parked. One
     * volatile read, stale as soon as it is read: {@link #workerToNotify()} checks it again under
     * the lock; {@link InlineSlot} takes it as a hint.
     */
    boolean shouldWake() {
        int s = state.get();
        return (s & SEARCHING_MASK) == 0 && (s >>> 16) < numWorkers;
    }

    /**
     * Picks a parked worker to wake for new work and counts it as unparked and searching, or
     * returns -1 if a worker is already searching or none is parked.
     */
    int workerToNotify() {
        if (!shouldWake()) {
            return -1;
        }
        synchronized (this) {
            if (!shouldWake() || sleeperCount == 0) {
                return -1;
            }
            state.addAndGet(UNPARKED_ONE | 1);
            return sleepers[--sleeperCount];
        }
    }

    /** Starts searching unless half the workers already are. */
    boolean transitionToSearching() {
        int s = state.get();
        if (2 * (s & SEARCHING_MASK) >= numWorkers) {
            return false;
        }
        state.incrementAndGet();
        return true;
    }

    /** Stops searching; returns true if this was the last searcher. */
    boolean transitionFromSearching() {
        int prev = state.getAndDecrement();
        return (prev & SEARCHING_MASK) == 1;
    }

    /** Records a worker as parked; returns true if it was the last searcher. */
    boolean transitionToParked(int worker, boolean searching) {
        synchronized (this) {
            int prev = state.getAndAdd(-(UNPARKED_ONE | (searching ? 1 : 0)));
            sleepers[sleeperCount++] = worker;
            return searching && (prev & SEARCHING_MASK) == 1;
        }
    }

    /** Whether the worker is still in the parked set (not yet picked to wake). */
    boolean isParked(int worker) {
        synchronized (this) {
            for (int i = 0; i < sleeperCount; i++) {
                if (sleepers[i] == worker) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Removes a worker from the parked set (shutdown); returns whether it was there. */
    boolean unparkById(int worker) {
        synchronized (this) {
            for (int i = 0; i < sleeperCount; i++) {
                if (sleepers[i] == worker) {
                    sleepers[i] = sleepers[--sleeperCount];
                    state.addAndGet(UNPARKED_ONE);
                    return true;
                }
            }
            return false;
        }
    }

    int parkedCount() {
        synchronized (this) {
            return sleeperCount;
        }
    }

    /** Workers not in the parked set (volatile read): running, searching, or on their way to park. */
    int unparkedCount() {
        return state.get() >>> 16;
    }

    int searchingCount() {
        return state.get() & SEARCHING_MASK;
    }
}
