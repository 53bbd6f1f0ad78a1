package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The global injection queue of a {@link WorkStealingDispatcher}: where tasks from outside the
 * runtime and local-queue overflow go. Many producers, many consumers, FIFO, unbounded.
 *
 * <h2>Design</h2>
 * A two-lock queue (Michael and Scott's, with arrays for nodes): a linked list of fixed-size
 * chunks of slots, producers appending at the tail under one lock (the put lock) and consumers
 * taking from the head under another ({@code takeLock}). A producer therefore never waits for a
 * worker moving a batch out, nor a worker for a producer: the only thread a producer can wait
 * for is another producer, and with one thread spawning from outside the runtime its lock is
 * uncontended. There is no node per task (a million queued tasks are a thousand arrays, not a
 * million linked nodes that survive young collections and that the GC must trace), and a
 * worker moves a whole batch into its local queue under one acquisition of {@code takeLock}
 * ({@link #pollInto}). Consumed chunks become garbage, so the queue's footprint follows its
 * length.
 *
 * <p>The put lock is the low bit of the word that holds the put count ({@code putState}): a
 * producer takes it with a CAS and, once it has written its slots, adds its count and clears
 * the bit in one atomic add. That add is a sequentially consistent read-modify-write, so it is
 * also the "queue, then check sleepers" fence of the wake-up handshake ({@link IdleWorkers}):
 * a push from outside the runtime costs two atomic instructions, where a monitor's enter and
 * exit and a separate fence cost three, and the spawning thread is what bounds spawn-join
 * throughput (W3a). A producer that finds the lock taken spins {@value #LOCK_SPINS} times
 * between {@link Thread#yield()}s: the lock is held for a few slot writes (a
 * {@link #pushAll} of half a local queue at most), and the yield lets a holder that was
 * descheduled on this CPU run. {@code takeLock} stays a monitor, which parks a consumer that
 * cannot take it: consumers hold it while they move a batch.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code putState}: the put count (tasks ever pushed and published) shifted left by one,
 *       and the put lock in bit 0; {@code takeCount}: tasks ever taken. Both counts only grow,
 *       and {@code takeCount <= putCount} at every moment.</li>
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
 * under the put lock; the put count: added, with the lock's release, after the slots and links
 * it covers. {@code headChunk}, {@code headPos}, nulling taken slots:
 * only under {@code takeLock}; {@code takeCount}: release-stored under {@code takeLock}.
 * {@link #isEmpty()} and {@link #size()} read the two counts without a lock.
 *
 * <h2>Memory ordering</h2>
 * <ol>
 *   <li>Publication: a producer writes a slot (and, when it opens a chunk, the link to it) with
 *       plain stores, then adds to the put count with a volatile read-modify-write (a release,
 *       among other things). A consumer acquire-loads {@code putState} before it reads any
 *       slot or link below that count, so it sees them. The lock's CAS is a volatile
 *       read-modify-write too, so the next producer sees the tail as the last one left it.
 *       A slot is written once by a producer and once (to null) by the consumer that took it,
 *       after that acquire; chunks are never reused, so the two never race.</li>
 *   <li>Emptiness: {@link #isEmpty()} reads {@code takeCount}, then the put count. Both only
 *       grow and take never exceeds put, so if they are equal the queue was empty at the
 *       moment the put count was read; if not, it held a task at some moment in between.
 *       {@link #size()} re-reads {@code takeCount} after the put count and retries until it
 *       is unchanged: then the difference is the length at the moment the put count was
 *       read. Both are linearizable against push, pushAll and poll.</li>
 *   <li>No lost wake-up: a push's add to the put count is a sequentially consistent
 *       read-modify-write, and the producer reads the idle state after it (a volatile load,
 *       {@code WorkStealingDispatcher.notifyParkedAfterPush}): the "queue, then check sleepers"
 *       side of the handshake described in {@link IdleWorkers}. A parking worker reads the
 *       counts (volatile loads) after its volatile read-modify-write of the idle state. All
 *       four are synchronization actions, totally ordered: either the producer's read comes
 *       after the worker's update and sees it parked, or the worker's read comes after the
 *       producer's add and sees the task.</li>
 * </ol>
 */
final class InjectionQueue {
    private static final VarHandle PUT_STATE;
    private static final VarHandle TAKE_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUT_STATE = l.findVarHandle(InjectionQueue.class, "putState", long.class);
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
        /** Written once under the put lock, before the put count add that covers its first slot. */
        Chunk next;
    }

    /** Producers' consecutive failed attempts at the put lock before each {@link Thread#yield()}. */
    private static final int LOCK_SPINS = 64;

    /** The put count shifted left by one, and the put lock in bit 0 (see the class note). */
    private volatile long putState;
    private Chunk tailChunk; // guarded by the put lock
    private int tailPos; // guarded by the put lock

    private final Object takeLock = new Object();
    private Chunk headChunk; // guarded by takeLock
    private int headPos; // guarded by takeLock
    private volatile long takeCount;

    InjectionQueue() {
        Chunk first = new Chunk();
        tailChunk = first;
        headChunk = first;
    }

    /**
     * Appends {@code task}. The put count's update is a sequentially consistent read-modify-write
     * (see the class note): a caller that reads the idle state next needs no fence in between.
     */
    void push(Task task) {
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
    void pushAll(Task[] tasks) {
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

    Task poll() {
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
    Task pollInto(LocalRunQueue local, int max) {
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
        return putCount() == taken;
    }

    /** The queue's length at some moment during the call (see the class note). */
    int size() {
        for (;;) {
            long taken = takeCount;
            long put = putCount();
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
