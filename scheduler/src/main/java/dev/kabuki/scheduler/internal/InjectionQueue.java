package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The global injection queue of a {@link WorkStealingDispatcher}: where tasks from outside the
 * runtime and local-queue overflow go. Many producers, many consumers, FIFO, unbounded.
 *
 * <h2>Design</h2>
 * A two-lock queue (Michael and Scott's, with arrays for nodes): a linked list of fixed-size
 * chunks of slots, producers appending at the tail under one monitor ({@code putLock}) and
 * consumers taking from the head under another ({@code takeLock}). A producer therefore never
 * waits for a worker moving a batch out, nor a worker for a producer: the only thread a
 * producer can wait for is another producer, and with one thread spawning from outside the
 * runtime its lock is uncontended. There is no node per task (a million queued tasks are a
 * thousand arrays, not a million linked nodes that survive young collections and that the GC
 * must trace), and a worker moves a whole batch into its local queue under one acquisition of
 * {@code takeLock} ({@link #pollInto}). The locks are monitors, which park a thread that cannot
 * take them, not spin locks: with more runnable threads than CPUs, a spinner would burn its
 * time slice while the holder it waits for is descheduled. Consumed chunks become garbage, so
 * the queue's footprint follows its length.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code putCount}: tasks ever pushed and published; {@code takeCount}: tasks ever taken.
 *       Both only grow, and {@code takeCount <= putCount} at every moment.</li>
 *   <li>The tail: {@code tailChunk}, {@code tailPos} (next free slot in it); the head:
 *       {@code headChunk}, {@code headPos} (next slot to take). The slots from the head up to
 *       the tail hold the queued tasks in FIFO order.</li>
 * </ul>
 *
 * <p><b>Deviation:</b> {@link #pollInto} is not atomic against {@link #size()}. It sizes its
 * batch from the put count it reads under the take lock and publishes its take count after
 * moving the batch; a size read in between counts the batch as still queued, together with
 * tasks pushed after the batch was sized, a length the queue may never have had. Such a size
 * is never below the true length (the take count is published only after the moves), which is
 * all its readers need: batch sizing, metrics, and quiescence checks that also require every
 * worker parked.
 *
 * <h2>Who writes what</h2>
 * {@code tailChunk}, {@code tailPos}, a chunk's {@code next} and the slots at the tail: only
 * under {@code putLock}; {@code putCount}: release-stored under {@code putLock} after the slots
 * and links it covers. {@code headChunk}, {@code headPos}, nulling taken slots:
 * only under {@code takeLock}; {@code takeCount}: release-stored under {@code takeLock}.
 * {@link #isEmpty()} and {@link #size()} read the two counts without a lock.
 *
 * <h2>Memory ordering</h2>
 * <ol>
 *   <li>Publication: a producer writes a slot (and, when it opens a chunk, the link to it) with
 *       plain stores, then release-stores {@code putCount}. A consumer acquire-loads
 *       {@code putCount} before it reads any slot or link below that count, so it sees them.
 *       A slot is written once by a producer and once (to null) by the consumer that took it,
 *       after that acquire; chunks are never reused, so the two never race.</li>
 *   <li>Emptiness: {@link #isEmpty()} reads {@code takeCount}, then {@code putCount}. Both only
 *       grow and take never exceeds put, so if they are equal the queue was empty at the
 *       moment {@code putCount} was read; if not, it held a task at some moment in between.
 *       {@link #size()} re-reads {@code takeCount} after {@code putCount} and retries until it
 *       is unchanged: then the difference is the length at the moment {@code putCount} was
 *       read. Both are linearizable against push, pushAll and poll.</li>
 *   <li>No lost wake-up: a push's {@code putCount} store is followed by the full fence in
 *       {@link WorkStealingDispatcher#notifyParked()}, the "queue, then check sleepers" side
 *       of the handshake described in {@link IdleWorkers}; a parking worker reads the counts
 *       (volatile loads) after its volatile read-modify-write of the idle state.</li>
 * </ol>
 */
final class InjectionQueue {
    private static final VarHandle PUT_COUNT;
    private static final VarHandle TAKE_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUT_COUNT = l.findVarHandle(InjectionQueue.class, "putCount", long.class);
            TAKE_COUNT = l.findVarHandle(InjectionQueue.class, "takeCount", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Slots per chunk. */
    static final int CHUNK_SIZE = 1024;

    /** A block of slots; the producer that fills it links the next one. */
    private static final class Chunk {
        final Task[] slots = new Task[CHUNK_SIZE];
        /** Written once under putLock, before the putCount store that covers its first slot. */
        Chunk next;
    }

    private final Object putLock = new Object();
    private Chunk tailChunk; // guarded by putLock
    private int tailPos; // guarded by putLock
    private volatile long putCount;

    private final Object takeLock = new Object();
    private Chunk headChunk; // guarded by takeLock
    private int headPos; // guarded by takeLock
    private volatile long takeCount;

    InjectionQueue() {
        Chunk first = new Chunk();
        tailChunk = first;
        headChunk = first;
    }

    void push(Task task) {
        synchronized (putLock) {
            append(task); // may throw OutOfMemoryError opening a chunk: then nothing changed
            PUT_COUNT.setRelease(this, putCount + 1);
        }
    }

    void pushAll(Task[] tasks) {
        synchronized (putLock) {
            int appended = 0;
            try {
                for (Task t : tasks) {
                    append(t);
                    appended++;
                }
            } finally { // what was appended is published even if opening a chunk failed
                PUT_COUNT.setRelease(this, putCount + appended);
            }
        }
    }

    /** Writes one slot at the tail, opening a new chunk if the tail's is full. Under putLock. */
    private void append(Task task) {
        Chunk c = tailChunk;
        int p = tailPos;
        if (p == CHUNK_SIZE) {
            Chunk n = new Chunk();
            c.next = n; // published by the caller's putCount store, with the slot
            tailChunk = c = n;
            p = 0;
        }
        c.slots[p] = task;
        tailPos = p + 1;
    }

    Task poll() {
        if (isEmpty()) {
            return null;
        }
        synchronized (takeLock) {
            long taken = takeCount;
            if ((long) PUT_COUNT.getAcquire(this) == taken) {
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
    Task pollInto(LocalRunQueue local, int max) {
        if (isEmpty()) {
            return null;
        }
        synchronized (takeLock) {
            long taken = takeCount;
            long available = (long) PUT_COUNT.getAcquire(this) - taken;
            if (available == 0) {
                return null;
            }
            int n = (int) Math.min(max, available - 1);
            Task first = takeHead();
            for (int i = 0; i < n; i++) {
                local.pushBack(takeHead(), this);
            }
            // After the moves: a task is counted here or in the local queue, never in neither.
            TAKE_COUNT.setRelease(this, taken + 1 + n);
            return first;
        }
    }

    /** Whether the queue was empty at some moment during the call (see the class note). */
    boolean isEmpty() {
        long taken = takeCount;
        return putCount == taken;
    }

    /** The queue's length at some moment during the call (see the class note). */
    int size() {
        for (;;) {
            long taken = takeCount;
            long put = putCount;
            if (takeCount == taken) {
                return (int) Math.min(Integer.MAX_VALUE, put - taken);
            }
        }
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
