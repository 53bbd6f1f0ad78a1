package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A worker's bounded local run queue: one owner pushes and pops, any worker steals half.
 * The mechanism is Tokio's multi-thread scheduler queue, written for the JVM.
 *
 * <h2>State</h2>
 * A ring of {@value #CAPACITY} slots and two indices that wrap as 32-bit integers:
 * <ul>
 *   <li>{@code tail}: where the owner pushes next;</li>
 *   <li>{@code head}: one {@code long} packing two indices, {@code steal} (high half) and
 *       {@code real} (low half). Outside a steal both are equal. A stealer that claims the
 *       range {@code [real, real + n)} moves only {@code real}; {@code steal} stays behind until
 *       it has copied the claimed slots, then it sets {@code steal = real} (commit).</li>
 * </ul>
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>{@code tail}: the owner only (release store after writing the slot);</li>
 *   <li>{@code head}: owner (pop, overflow) and stealers (claim, commit), always by CAS;</li>
 *   <li>slots: the owner writes a free slot before releasing {@code tail}; a claimer (owner pop,
 *       stealer, overflow) reads and clears the slots it claimed by its CAS on {@code head}.</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>{@code steal <= real <= tail} (mod 2^32) and {@code tail - steal <= CAPACITY}: the owner
 *       never writes into a slot a stealer has claimed but not yet copied, because it measures
 *       free room from {@code steal}, not {@code real};</li>
 *   <li>at most one steal is in progress ({@code steal != real} makes other stealers back off);</li>
 *   <li>every pushed task is taken exactly once: by one pop, one steal, or one overflow.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * The owner's plain slot write happens before its release store of {@code tail}; a stealer's
 * acquire load of {@code tail} then makes the slot contents visible. A claimer owns slots once
 * its CAS on {@code head} succeeds; the stealer's commit CAS orders its slot reads before the
 * owner can observe the freed room (the owner acquires {@code head} before reusing slots).
 * Taken slots are cleared so finished tasks can be collected.
 */
final class LocalRunQueue {
    static final int CAPACITY = 256;
    private static final int MASK = CAPACITY - 1;

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(LocalRunQueue.class, "head", long.class);
            TAIL = l.findVarHandle(LocalRunQueue.class, "tail", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Task[] buffer = new Task[CAPACITY];
    @SuppressWarnings("unused") // accessed through HEAD
    private volatile long head;
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile int tail;

    static long pack(int steal, int real) {
        return ((long) steal << 32) | (real & 0xFFFF_FFFFL);
    }

    private static int stealOf(long head) {
        return (int) (head >>> 32);
    }

    private static int realOf(long head) {
        return (int) head;
    }

    /** Number of queued tasks (approximate when read by a non-owner). */
    int size() {
        long h = (long) HEAD.getAcquire(this);
        int n = (int) TAIL.getAcquire(this) - realOf(h);
        return Math.max(0, Math.min(n, CAPACITY));
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** Free room the owner can push into without overflowing. Owner only. */
    int remaining() {
        long h = (long) HEAD.getAcquire(this);
        return CAPACITY - ((int) TAIL.get(this) - stealOf(h));
    }

    /**
     * Pushes at the back; when full, moves half of the queue and the task to {@code overflow}.
     * Owner only.
     */
    void pushBack(Task task, InjectionQueue overflow) {
        for (;;) {
            long h = (long) HEAD.getAcquire(this);
            int steal = stealOf(h);
            int real = realOf(h);
            int t = (int) TAIL.get(this);
            if (t - steal < CAPACITY) {
                buffer[t & MASK] = task;
                TAIL.setRelease(this, t + 1);
                return;
            }
            if (steal != real) {
                // A stealer is emptying this queue right now; room comes soon, do not wait.
                overflow.push(task);
                return;
            }
            if (pushOverflow(task, real, overflow)) {
                return;
            }
            // Lost the head to a stealer: retry, there is room now.
        }
    }

    private boolean pushOverflow(Task task, int real, InjectionQueue overflow) {
        final int half = CAPACITY / 2;
        long expect = pack(real, real);
        if (!HEAD.compareAndSet(this, expect, pack(real + half, real + half))) {
            return false;
        }
        Task[] batch = new Task[half + 1];
        for (int i = 0; i < half; i++) {
            int idx = (real + i) & MASK;
            batch[i] = buffer[idx];
            buffer[idx] = null;
        }
        batch[half] = task;
        overflow.pushAll(batch);
        return true;
    }

    /** Pops from the front. Owner only. */
    Task pop() {
        long h = (long) HEAD.getAcquire(this);
        for (;;) {
            int steal = stealOf(h);
            int real = realOf(h);
            if (real == (int) TAIL.get(this)) {
                return null;
            }
            int nextReal = real + 1;
            long next = steal == real ? pack(nextReal, nextReal) : pack(steal, nextReal);
            long witness = (long) HEAD.compareAndExchange(this, h, next);
            if (witness == h) {
                int idx = real & MASK;
                Task task = buffer[idx];
                buffer[idx] = null;
                return task;
            }
            h = witness;
        }
    }

    /**
     * Steals half of this queue into {@code dst} (the calling worker's own queue) and returns one
     * of the stolen tasks to run at once, or null if there was nothing to steal, another steal is
     * in progress, or {@code dst} lacks room. Called by {@code dst}'s owner.
     */
    Task stealInto(LocalRunQueue dst) {
        int dstTail = (int) TAIL.get(dst);
        int dstSteal = stealOf((long) HEAD.getAcquire(dst));
        if (dstTail - dstSteal > CAPACITY / 2) {
            return null; // dst has too little room for half of a full queue
        }
        int n = stealIntoInner(dst, dstTail);
        if (n == 0) {
            return null;
        }
        n--;
        int retIdx = (dstTail + n) & MASK;
        Task ret = dst.buffer[retIdx];
        dst.buffer[retIdx] = null;
        if (n > 0) {
            TAIL.setRelease(dst, dstTail + n);
        }
        return ret;
    }

    private int stealIntoInner(LocalRunQueue dst, int dstTail) {
        long prev = (long) HEAD.getAcquire(this);
        long claimed;
        int n;
        for (;;) {
            int steal = stealOf(prev);
            int real = realOf(prev);
            if (steal != real) {
                return 0; // another worker is stealing from this queue
            }
            int srcTail = (int) TAIL.getAcquire(this);
            n = srcTail - real;
            n -= n / 2; // the larger half
            if (n <= 0) {
                return 0;
            }
            claimed = pack(steal, real + n);
            long witness = (long) HEAD.compareAndExchange(this, prev, claimed);
            if (witness == prev) {
                break;
            }
            prev = witness;
        }
        int first = stealOf(claimed);
        for (int i = 0; i < n; i++) {
            int srcIdx = (first + i) & MASK;
            dst.buffer[(dstTail + i) & MASK] = buffer[srcIdx];
            buffer[srcIdx] = null;
        }
        // Commit: steal catches up with real (the owner may have popped meanwhile).
        prev = claimed;
        for (;;) {
            int real = realOf(prev);
            long witness = (long) HEAD.compareAndExchange(this, prev, pack(real, real));
            if (witness == prev) {
                return n;
            }
            prev = witness;
        }
    }
}
