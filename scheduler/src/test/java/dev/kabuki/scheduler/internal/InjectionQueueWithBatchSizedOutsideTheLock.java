package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A deliberately broken copy of {@link InjectionQueue} for {@link InjectionQueueLincheckTest}:
 * {@code pollInto} sizes its batch from the {@code size} it read on the lock-free fast path
 * and allocates it before taking the lock (mutation marked below), as if to keep the
 * allocation out of the critical section. If the queue changes in between, the batch has the
 * wrong size: after a concurrent push it moves fewer tasks than it may although they are
 * queued (no sequential order explains that), after a concurrent poll it takes more than is
 * queued (empty slots as tasks, and a head past the tail). Everything else is a verbatim copy.
 */
final class InjectionQueueWithBatchSizedOutsideTheLock
        implements InjectionQueueLincheckTest.GlobalQueue {
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(
                    InjectionQueueWithBatchSizedOutsideTheLock.class, "size", int.class);
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
        synchronized (lock) {
            if (tail - head == ring.length) {
                grow();
            }
            ring[tail & (ring.length - 1)] = task;
            tail++;
            SIZE.setRelease(this, tail - head);
        }
    }

    @Override
    public void pushAll(Task[] tasks) {
        synchronized (lock) {
            for (Task t : tasks) {
                if (tail - head == ring.length) {
                    grow();
                }
                ring[tail & (ring.length - 1)] = t;
                tail++;
            }
            SIZE.setRelease(this, tail - head);
        }
    }

    @Override
    public Task poll() {
        if (size == 0) {
            return null;
        }
        synchronized (lock) {
            if (head == tail) {
                return null;
            }
            Task t = takeHead();
            afterTake();
            return t;
        }
    }

    /**
     * Takes one task to run now and moves up to {@code max} more into {@code local} (whose owner
     * is the caller and which has room for them), all under one lock acquisition.
     *
     * @return the task to run, or null if the queue was empty
     */
    @Override
    public Task pollInto(LocalRunQueue local, int max) {
        int available = size;
        if (available == 0) {
            return null;
        }
        Task first;
        // MUTATION: was sized under the lock from tail - head; here sized (and allocated)
        // before taking the lock, from the size read on the fast path.
        int n = Math.min(max, available - 1);
        Task[] batch = n > 0 ? new Task[n] : null;
        synchronized (lock) {
            if (head == tail) {
                return null;
            }
            first = takeHead();
            for (int i = 0; i < n; i++) {
                batch[i] = takeHead();
            }
            afterTake();
        }
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

    private void afterTake() {
        int n = tail - head;
        if (n == 0 && ring.length > SHRINK_ABOVE) {
            ring = new Task[INITIAL_CAPACITY];
            head = 0;
            tail = 0;
        }
        SIZE.setRelease(this, n);
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
