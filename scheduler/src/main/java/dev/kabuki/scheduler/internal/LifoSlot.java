package dev.kabuki.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A core worker's LIFO slot: the one task that runs next on that worker, ahead of its local
 * queue, so a request and its response stay on one warm core. Its owner fills and empties it;
 * other workers may empty it too (steal its task), so that a long-running task cannot hold the
 * task it scheduled hostage.
 *
 * <h2>Invariant</h2>
 * Only the owner stores a task (non-null) into the slot; everyone, owner and stealers, empties
 * it by an atomic exchange with null. Hence a task put in the slot is taken exactly once: by
 * the owner's {@link #take()}, a stealer's {@link #take()}, or handed back by the owner's next
 * {@link #put} that displaces it.
 *
 * <h2>Memory ordering and cost</h2>
 * When the owner finds the slot empty, nobody else can fill it before the owner's own store
 * (stealers only write null), so {@link #put} publishes with a release store: no exchange and
 * no fence on the owner's path. That is the common case: a worker takes the task it runs out of
 * the slot, so the task it schedules finds the slot empty. The release store orders the task's
 * fields before the reference; a taker's exchange is a full barrier, so it reads them. A
 * stealer's exchange of null for null racing that store changes nothing. Only an occupied slot
 * needs the exchange in {@link #put}, as a stealer may take the occupant at the same time.
 *
 * <p>Thread-safety: {@link #put} from the owner thread only; {@link #take()} and
 * {@link #isEmpty()} from any thread. Never blocks.
 */
final class LifoSlot {
    private static final VarHandle TASK;

    static {
        try {
            TASK = MethodHandles.lookup().findVarHandle(LifoSlot.class, "task", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Task task;

    /**
     * Puts {@code next} in the slot. Owner thread only.
     *
     * @return the task it displaced (now the caller's to queue elsewhere), or null
     */
    Task put(Task next) {
        if (task == null) {
            TASK.setRelease(this, next);
            return null;
        }
        return (Task) TASK.getAndSet(this, next);
    }

    /** Empties the slot. Any thread. @return the task it held, or null */
    Task take() {
        return task == null ? null : (Task) TASK.getAndSet(this, null);
    }

    /** The task in the slot now, left there (a racy snapshot: a hint for the stuck-worker look-out). */
    Task peek() {
        return task;
    }

    /** Whether the slot holds no task right now (a racy snapshot for parking and metrics). */
    boolean isEmpty() {
        return task == null;
    }
}
