package dev.kabuki.scheduler.internal;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inline hand-off of a thread outside a {@link WorkStealingDispatcher}'s pool (kabuki-net's
 * selector threads): tasks that thread schedules on the pool while every worker is parked are
 * kept here, and the thread runs them itself at the end of its batch, instead of paying a
 * worker's wake-up (a futex call here, a context switch there) and the hop to another core.
 * That is what a Netty event loop or a Tokio worker polling the driver does for every event;
 * here it happens only while the pool is idle, so a busy pool still takes every task.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Only while {@linkplain #open(Object) open}: the host opens the slot around the code whose
 *       scheduling it is willing to run (a connection's reads) and {@linkplain #close() closes}
 *       it after; a task scheduled while closed goes to the pool as usual.</li>
 *   <li>Only when handing over would wake a worker: no worker is searching and at least one is
 *       parked ({@link IdleWorkers#shouldWake()}). A task scheduled while a worker searches or
 *       every worker runs goes to the pool, which then needs no wake-up.</li>
 *   <li>At most {@link #CAPACITY} tasks; more go to the pool.</li>
 *   <li>{@link #runNext()} runs the oldest held task with the slot closed, so whatever it
 *       schedules (its own next turn, tells to other actors) goes to the pool;
 *       {@link #handOffRest()} gives the pool what the host will not run (kabuki-net, when its
 *       loop closes). A host may keep held tasks across its non-blocking steps: kabuki-net runs
 *       them for at most 1 ms per turn of its loop and polls its selector without blocking
 *       while some remain.</li>
 * </ul>
 *
 * <h2>Invariant and threads</h2>
 * Every method but {@link #newHostThread} runs on the host thread, and the held tasks and
 * {@code open} are that thread's alone (plain fields). A task put in the slot is therefore taken
 * exactly once: by {@link #runNext()}, which runs it (or abandons it if the pool has shut down),
 * or by {@link #handOffRest()}, which queues it on the pool. The host must empty the slot (run
 * or hand off every held task) before it blocks (before a blocking select): a held task is
 * invisible to the pool, so nobody else would run it. No other thread needs to see the slot, so
 * there is no memory-ordering question: the pool's idle state is read as a hint only
 * ({@code shouldWake} is one volatile read), and a stale answer changes where a task runs, never
 * whether it runs.
 *
 * <p>Cost to the host: a slow task run here delays the host's other work (a selector's other
 * connections) by its run. The host bounds that with {@link #lastRunNanos()} (the run's duration): kabuki-net stops running a connection's handler inline for a while after it was
 * slow there.
 */
public final class InlineSlot {
    private static final Logger LOG = LoggerFactory.getLogger(InlineSlot.class);
    /** The most tasks held at once; more in one batch go to the pool. */
    public static final int CAPACITY = 1024;

    private final WorkStealingDispatcher dispatcher;
    private boolean open;
    /** Held tasks, a ring in the order kept: {@code size} of them from {@code head}; the rest null. */
    private final Task[] held = new Task[CAPACITY];
    /** The host's tag of each held task ({@link #open(Object)}), at the same index. */
    private final Object[] tags = new Object[CAPACITY];
    private int head;
    private int size;
    /** The tag tasks kept now get. */
    private Object tag;
    private long lastRunNanos;

    private InlineSlot(WorkStealingDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    /**
     * A thread (not started) running {@code body}, whose tasks for {@code dispatcher} may be
     * kept in its own slot ({@link HostThread#inlineSlot()}). Like a core worker, it refuses to
     * block in {@code JoinHandle.join()}.
     */
    public static HostThread newHostThread(WorkStealingDispatcher dispatcher, Runnable body, String name) {
        return new HostThread(new InlineSlot(Objects.requireNonNull(dispatcher, "dispatcher")), body, name);
    }

    /** A thread with an inline slot. */
    public static final class HostThread extends Thread {
        private final InlineSlot slot;

        private HostThread(InlineSlot slot, Runnable body, String name) {
            super(null, body, name);
            this.slot = slot;
        }

        /** This thread's slot; use it on this thread only. */
        public InlineSlot inlineSlot() {
            return slot;
        }
    }

    /**
     * Lets the tasks this thread schedules from now on be kept here (see the class rules), each
     * with {@code tag} (the host's note of whose they are, handed back by {@link #runNext()}).
     */
    public void open(Object tag) {
        this.tag = tag;
        open = true;
    }

    /** Hands the tasks this thread schedules from now on to the pool; a held task stays held. */
    public void close() {
        open = false;
        tag = null;
    }

    /** Whether a task waits in the slot for {@link #runNext()} or {@link #handOffRest()}. */
    public boolean holdsTask() {
        return size > 0;
    }

    /**
     * Called by {@code dispatcher.execute} on the host thread: keeps {@code task} if the slot is
     * open for this dispatcher, not full, and the pool would need waking for it.
     *
     * @return whether it was kept; if not, the caller queues it on the pool
     */
    boolean tryKeep(WorkStealingDispatcher d, Task task) {
        if (!open || size == CAPACITY || d != dispatcher || !d.idle.shouldWake()) {
            return false;
        }
        int i = (head + size++) % CAPACITY;
        held[i] = task;
        tags[i] = tag;
        return true;
    }

    /**
     * Runs the oldest held task with the slot closed; abandons it instead if the pool has shut
     * down. The task runs to its own end: this does not block otherwise. Its duration is then
     * {@link #lastRunNanos()}.
     *
     * @return the tag the task was kept with ({@link #open(Object)}); null if nothing was held
     */
    public Object runNext() {
        lastRunNanos = 0;
        if (size == 0) {
            return null;
        }
        Object taskTag = tags[head];
        Task task = pop();
        if (dispatcher.terminated) {
            dispatcher.abandon(task, dispatcher.abandonedAtShutdown());
            return taskTag;
        }
        boolean wasOpen = open;
        open = false;
        long start = System.nanoTime();
        try {
            task.run();
        } catch (Throwable t) {
            LOG.error("a task threw out of run() on {}; tasks must not throw", Thread.currentThread().getName(), t);
        } finally {
            open = wasOpen;
            Thread.interrupted(); // an interrupt meant for the task must not hit the host's select
        }
        lastRunNanos = System.nanoTime() - start;
        return taskTag;
    }

    /** Takes the oldest held task out of the ring; the slot must hold one. */
    private Task pop() {
        Task task = held[head];
        held[head] = null;
        tags[head] = null;
        head = (head + 1) % CAPACITY;
        size--;
        return task;
    }

    /** How long the task {@link #runNext()} ran last took, in nanoseconds; 0 if it ran none. */
    public long lastRunNanos() {
        return lastRunNanos;
    }

    /** Hands every held task to the pool (which wakes a worker for them), in order. */
    public void handOffRest() {
        boolean wasOpen = open;
        open = false;
        try {
            while (size > 0) {
                dispatcher.execute(pop());
            }
        } finally {
            head = 0;
            open = wasOpen;
        }
    }
}
