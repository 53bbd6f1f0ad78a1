package dev.kabuki.scheduler.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deliberately broken copy of {@link IdleWorkers} for {@link IdleWorkersLincheckTest}: a
 * worker picked to wake is counted as unparked but not as searching (rule 1: "the woken worker
 * starts out searching" is lost). The mutation, marked below, drops the {@code | 1} from
 * {@code workerToNotify}'s update, so the next notifier wakes a second worker for the same
 * work and the woken worker's {@code transitionFromSearching} later borrows from the unparked
 * count. Everything else is a verbatim copy ({@code unparkById} left out: the model does not
 * shut down).
 */
final class IdleWorkersWakingWithoutSearching implements IdleWorkersLincheckTest.Idle {
    private static final int UNPARKED_ONE = 1 << 16;
    private static final int SEARCHING_MASK = UNPARKED_ONE - 1;

    private final int numWorkers;
    private final AtomicInteger state;
    private final int[] sleepers; // guarded by this
    private int sleeperCount; // guarded by this

    IdleWorkersWakingWithoutSearching(int numWorkers) {
        this.numWorkers = numWorkers;
        this.state = new AtomicInteger(numWorkers * UNPARKED_ONE);
        this.sleepers = new int[numWorkers];
    }

    private boolean shouldWake() {
        int s = state.get();
        return (s & SEARCHING_MASK) == 0 && (s >>> 16) < numWorkers;
    }

    /**
     * Picks a parked worker to wake for new work and counts it as unparked and searching, or
     * returns -1 if a worker is already searching or none is parked.
     */
    @Override
    public int workerToNotify() {
        if (!shouldWake()) {
            return -1;
        }
        synchronized (this) {
            if (!shouldWake() || sleeperCount == 0) {
                return -1;
            }
            state.addAndGet(UNPARKED_ONE); // MUTATION: was UNPARKED_ONE | 1
            return sleepers[--sleeperCount];
        }
    }

    /** Starts searching unless half the workers already are. */
    @Override
    public boolean transitionToSearching() {
        int s = state.get();
        if (2 * (s & SEARCHING_MASK) >= numWorkers) {
            return false;
        }
        state.incrementAndGet();
        return true;
    }

    /** Stops searching; returns true if this was the last searcher. */
    @Override
    public boolean transitionFromSearching() {
        int prev = state.getAndDecrement();
        return (prev & SEARCHING_MASK) == 1;
    }

    /** Records a worker as parked; returns true if it was the last searcher. */
    @Override
    public boolean transitionToParked(int worker, boolean searching) {
        synchronized (this) {
            int prev = state.getAndAdd(-(UNPARKED_ONE | (searching ? 1 : 0)));
            sleepers[sleeperCount++] = worker;
            return searching && (prev & SEARCHING_MASK) == 1;
        }
    }

    /** Whether the worker is still in the parked set (not yet picked to wake). */
    @Override
    public boolean isParked(int worker) {
        synchronized (this) {
            for (int i = 0; i < sleeperCount; i++) {
                if (sleepers[i] == worker) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public int parkedCount() {
        synchronized (this) {
            return sleeperCount;
        }
    }

    @Override
    public int searchingCount() {
        return state.get() & SEARCHING_MASK;
    }
}
