package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A deliberately broken copy of {@link InjectionQueue} for {@link InjectionQueueLincheckTest}:
 * {@code isEmpty} and {@code size} read {@code putCount} before {@code takeCount}, once
 * (mutations marked below), as if the order of two loads of growing counters did not matter.
 * A push and a poll between the two loads then make a queue that never emptied read as empty
 * (and a poll's lock-free fast path return null while a task is queued), and {@code size}
 * report a length the queue never had, even a negative one. Everything else is a verbatim copy.
 */
final class InjectionQueueWithCountsReadPutFirst
        implements InjectionQueueLincheckTest.GlobalQueue {
    private static final VarHandle PUT_STATE;
    private static final VarHandle TAKE_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUT_STATE = l.findVarHandle(InjectionQueueWithCountsReadPutFirst.class, "putState", long.class);
            TAKE_COUNT = l.findVarHandle(InjectionQueueWithCountsReadPutFirst.class, "takeCount", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Slots per chunk. */
    static final int CHUNK_SIZE = 1024;

    /** A block of slots; the producer that fills it links the next one. */
    private static final class Chunk {
        final Task[] slots = new Task[CHUNK_SIZE];
        /** Written once under the put lock, before the put count add that covers its first slot. */
        Chunk next;
    }

    private static final int LOCK_SPINS = 64;

    private volatile long putState;
    private Chunk tailChunk; // guarded by the put lock
    private int tailPos; // guarded by the put lock

    private final Object takeLock = new Object();
    private Chunk headChunk; // guarded by takeLock
    private int headPos; // guarded by takeLock
    private volatile long takeCount;

    /**
     * The overflow {@link LocalRunQueue#pushBack} wants: never used, the caller's local queue
     * has room for the batch (the original passes itself).
     */
    private static final InjectionQueue LOCAL_NEVER_OVERFLOWS = new InjectionQueue();

    InjectionQueueWithCountsReadPutFirst() {
        Chunk first = new Chunk();
        tailChunk = first;
        headChunk = first;
    }

    /**
     * Appends {@code task}. The put count's update is a sequentially consistent read-modify-write
     * (see the class note): a caller that reads the idle state next needs no fence in between.
     */
    @Override
    public void push(Task task) {
        lockPut();
        int appended = 0;
        try {
            append(task); // may throw OutOfMemoryError opening a chunk: then nothing changed
            appended = 1;
        } finally {
            unlockPut(appended);
        }
    }

    /** Appends every task of {@code tasks}, in order; publishes them as {@link #push} does. */
    @Override
    public void pushAll(Task[] tasks) {
        lockPut();
        int appended = 0;
        try {
            for (Task t : tasks) {
                append(t);
                appended++;
            }
        } finally { // what was appended is published even if opening a chunk failed
            unlockPut(appended);
        }
    }

    /** Takes the put lock: sets the low bit of {@code putState} with a CAS, spinning, then yielding. */
    private void lockPut() {
        for (int attempt = 1; ; attempt++) {
            long s = putState;
            if ((s & 1) == 0 && PUT_STATE.compareAndSet(this, s, s | 1)) {
                return;
            }
            if (attempt % LOCK_SPINS == 0) {
                Thread.yield(); // the holder may be descheduled: let it run
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** Adds {@code appended} to the put count and releases the lock, in one atomic add. */
    private void unlockPut(int appended) {
        PUT_STATE.getAndAdd(this, 2L * appended - 1);
    }

    /** Tasks ever pushed and published: {@code putState >>> 1} (volatile read). */
    private long putCount() {
        return putState >>> 1;
    }

    /** Writes one slot at the tail, opening a new chunk if the tail's is full. Under the put lock. */
    private void append(Task task) {
        Chunk c = tailChunk;
        int p = tailPos;
        if (p == CHUNK_SIZE) {
            Chunk n = new Chunk();
            c.next = n; // published by the caller's put count add, with the slot
            tailChunk = c = n;
            p = 0;
        }
        c.slots[p] = task;
        tailPos = p + 1;
    }

    @Override
    public Task poll() {
        if (isEmpty()) {
            return null;
        }
        synchronized (takeLock) {
            long taken = takeCount;
            if (((long) PUT_STATE.getAcquire(this) >>> 1) == taken) {
                return null;
            }
            Task t = takeHead();
            TAKE_COUNT.setRelease(this, taken + 1);
            return t;
        }
    }

    /**
     * Takes one task to run now and moves up to {@code max} more into {@code local} (whose owner
     * is the caller and which has room for them), all under one acquisition of the take lock
     * (producers do not wait for it).
     *
     * @return the task to run, or null if the queue was empty
     */
    @Override
    public Task pollInto(LocalRunQueue local, int max) {
        if (isEmpty()) {
            return null;
        }
        synchronized (takeLock) {
            long taken = takeCount;
            long available = ((long) PUT_STATE.getAcquire(this) >>> 1) - taken;
            if (available == 0) {
                return null;
            }
            int n = (int) Math.min(max, available - 1);
            Task first = takeHead();
            for (int i = 0; i < n; i++) {
                local.pushBack(takeHead(), LOCAL_NEVER_OVERFLOWS);
            }
            // After the moves: a task is counted here or in the local queue, never in neither.
            TAKE_COUNT.setRelease(this, taken + 1 + n);
            return first;
        }
    }

    /** Whether the queue was empty at some moment during the call (see the class note). */
    @Override
    public boolean isEmpty() {
        long put = putCount(); // MUTATION: was read after takeCount
        return takeCount == put;
    }

    /** The queue's length at some moment during the call (see the class note). */
    @Override
    public int size() {
        long put = putCount(); // MUTATION: was read after takeCount, and takeCount re-read
        long taken = takeCount;
        return (int) Math.min(Integer.MAX_VALUE, put - taken);
    }

    /** Takes the head slot; the caller holds takeLock and has seen a put count covering it. */
    private Task takeHead() {
        Chunk c = headChunk;
        int p = headPos;
        if (p == CHUNK_SIZE) {
            c = c.next; // linked before the put count the caller acquired
            headChunk = c;
            p = 0;
        }
        Task t = c.slots[p];
        c.slots[p] = null;
        headPos = p + 1;
        return t;
    }
}
