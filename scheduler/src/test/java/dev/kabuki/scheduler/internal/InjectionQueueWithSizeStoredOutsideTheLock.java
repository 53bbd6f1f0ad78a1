package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A deliberately broken copy of {@link InjectionQueue} for {@link InjectionQueueLincheckTest}:
 * every change computes the new {@code size} under the lock but stores it after releasing the
 * lock (mutations marked below), as if to keep the critical section a store shorter. Two
 * changes can then store their sizes in the opposite order, so a stale size overwrites a newer
 * one: {@code size()} reports a count the queue never had, and a poll's lock-free fast path
 * sees zero while a task is queued. Everything else is a verbatim copy.
 */
final class InjectionQueueWithSizeStoredOutsideTheLock
        implements InjectionQueueLincheckTest.GlobalQueue {
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(
                    InjectionQueueWithSizeStoredOutsideTheLock.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int INITIAL_CAPACITY = 256;
    /** Above this capacity, an emptied ring is replaced by a small one. */
    private static final int SHRINK_ABOVE = 1 << 14;

    /**
     * The overflow {@link LocalRunQueue#pushBack} wants: never used, the caller's local queue
     * has room for the batch (the original passes itself).
     */
    private static final InjectionQueue LOCAL_NEVER_OVERFLOWS = new InjectionQueue();

    private Task[] ring = new Task[INITIAL_CAPACITY];
    private int head;
    private int tail;
    private volatile int size;
    private final Object lock = new Object();

    @Override
    public void push(Task task) {
        int n;
        synchronized (lock) {
            if (tail - head == ring.length) {
                grow();
            }
            ring[tail & (ring.length - 1)] = task;
            tail++;
            n = tail - head;
        }
        SIZE.setRelease(this, n); // MUTATION: was stored under the lock
    }

    @Override
    public void pushAll(Task[] tasks) {
        int n;
        synchronized (lock) {
            for (Task t : tasks) {
                if (tail - head == ring.length) {
                    grow();
                }
                ring[tail & (ring.length - 1)] = t;
                tail++;
            }
            n = tail - head;
        }
        SIZE.setRelease(this, n); // MUTATION: was stored under the lock
    }

    @Override
    public Task poll() {
        if (size == 0) {
            return null;
        }
        Task t;
        int n;
        synchronized (lock) {
            if (head == tail) {
                return null;
            }
            t = takeHead();
            n = afterTake();
        }
        SIZE.setRelease(this, n); // MUTATION: was stored under the lock, in afterTake
        return t;
    }

    /**
     * Takes one task to run now and moves up to {@code max} more into {@code local} (whose owner
     * is the caller and which has room for them), all under one lock acquisition.
     *
     * @return the task to run, or null if the queue was empty
     */
    @Override
    public Task pollInto(LocalRunQueue local, int max) {
        if (size == 0) {
            return null;
        }
        Task first;
        Task[] batch = null;
        int n;
        int left;
        synchronized (lock) {
            if (head == tail) {
                return null;
            }
            first = takeHead();
            n = Math.min(max, tail - head);
            if (n > 0) {
                batch = new Task[n];
                for (int i = 0; i < n; i++) {
                    batch[i] = takeHead();
                }
            }
            left = afterTake();
        }
        SIZE.setRelease(this, left); // MUTATION: was stored under the lock, in afterTake
        for (int i = 0; i < n; i++) { // outside the lock: producers are not held up
            local.pushBack(batch[i], LOCAL_NEVER_OVERFLOWS);
        }
        return first;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public int size() {
        return size;
    }

    private Task takeHead() {
        int idx = head & (ring.length - 1);
        Task t = ring[idx];
        ring[idx] = null;
        head++;
        return t;
    }

    /** Returns the new size for the caller to store (MUTATION: stored here, under the lock). */
    private int afterTake() {
        int n = tail - head;
        if (n == 0 && ring.length > SHRINK_ABOVE) {
            ring = new Task[INITIAL_CAPACITY];
            head = 0;
            tail = 0;
        }
        return n;
    }

    private void grow() {
        Task[] old = ring;
        int n = tail - head;
        Task[] bigger = new Task[old.length * 2];
        for (int i = 0; i < n; i++) {
            bigger[i] = old[(head + i) & (old.length - 1)];
        }
        ring = bigger;
        head = 0;
        tail = n;
    }
}
