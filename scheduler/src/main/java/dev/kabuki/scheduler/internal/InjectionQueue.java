package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The global injection queue of a {@link WorkStealingDispatcher}: where tasks from outside the
 * runtime and local-queue overflow go. Many producers, many consumers, FIFO, unbounded.
 *
 * <h2>Design</h2>
 * A growable ring guarded by a monitor, as Tokio's inject queue is a mutex-guarded list, rather
 * than a linked lock-free queue such as {@link java.util.concurrent.ConcurrentLinkedQueue}: no
 * node per task (a million queued tasks are one array, not a million linked nodes that survive
 * young collections and that the GC must trace), and a worker moves a whole batch out under one
 * lock acquisition ({@link #pollInto}), pushing it into its local queue after releasing the
 * lock. Critical sections are a few stores. The lock is a monitor, which parks a thread that
 * cannot take it, not a spin lock: with more runnable threads than CPUs, a spinner would burn
 * its time slice while the holder it waits for is descheduled. The ring shrinks back when it
 * empties after growing large.
 *
 * <h2>Who writes what</h2>
 * {@code ring}, {@code head}, {@code tail}: only under the lock. {@code size}: release-stored
 * under the lock after every change, read without it by {@link #isEmpty()} and {@link #size()}
 * (the parking path, batch sizing, metrics).
 *
 * <h2>Memory ordering</h2>
 * The monitor orders every ring access between holders. A push's {@code size} store is followed by the full fence in
 * {@link WorkStealingDispatcher#notifyParked()}, the "queue, then check sleepers" side of the
 * no-lost-wake-up handshake described in {@link IdleWorkers}; a parking worker reads
 * {@code size} after its volatile read-modify-write of the idle state.
 */
final class InjectionQueue {
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(InjectionQueue.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int INITIAL_CAPACITY = 256;
    /** Above this capacity, an emptied ring is replaced by a small one. */
    private static final int SHRINK_ABOVE = 1 << 14;

    private Task[] ring = new Task[INITIAL_CAPACITY];
    private int head;
    private int tail;
    private volatile int size;
    private final Object lock = new Object();

    void push(Task task) {
        synchronized (lock) {
            if (tail - head == ring.length) {
                grow();
            }
            ring[tail & (ring.length - 1)] = task;
            tail++;
            SIZE.setRelease(this, tail - head);
        }
    }

    void pushAll(Task[] tasks) {
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

    Task poll() {
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
    Task pollInto(LocalRunQueue local, int max) {
        if (size == 0) {
            return null;
        }
        Task first;
        Task[] batch = null;
        int n;
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
            afterTake();
        }
        for (int i = 0; i < n; i++) { // outside the lock: producers are not held up
            local.pushBack(batch[i], this);
        }
        return first;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
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
