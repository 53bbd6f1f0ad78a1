package dev.kabuki.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import dev.kabuki.scheduler.internal.InlineSlot;
import dev.kabuki.scheduler.internal.IoPoller;
import dev.kabuki.scheduler.internal.ThreadHooks;
import dev.kabuki.scheduler.internal.WorkStealingDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector and whoever selects on it: accepts, connects, reads and decodes, and writes what
 * the handlers could not write at once. Everything touching the selector, a key's interest set
 * or a channel's registration runs "in the loop"; other threads hand it work with
 * {@link #execute}.
 *
 * <h2>Two modes</h2>
 * <ul>
 *   <li><b>Dedicated</b> ({@link #start}): a thread of its own runs {@link #run}; "in the loop"
 *       means on that thread.</li>
 *   <li><b>Worker-polled</b> ({@link #workerPolled}): no thread; the loop is an
 *       {@link IoPoller} installed on the core dispatcher, and the core worker that holds its
 *       lock runs one turn (tasks, one select, ready keys, sweep) per {@link #poll}. "In the
 *       loop" means holding the lock ({@link #holder} is the calling thread). The lock's CAS
 *       acquire and release order one holder's loop-confined writes (keys, {@code swept},
 *       connection state) before the next holder's reads, as a thread's program order does in
 *       the dedicated mode.</li>
 * </ul>
 *
 * <h2>Inline hand-off (dedicated mode on the multi-thread dispatcher)</h2>
 * The thread is an {@link InlineSlot.HostThread}: while it handles a connection's readiness
 * (reads, decodes, tells the handler) the slot is open, so handler activations made while every
 * core worker is parked are kept, and once the batch of ready keys is handled the thread runs
 * those handlers itself, oldest first, for at most {@link #INLINE_BATCH_NANOS} per turn of the
 * loop; what is left waits for the next turn, which polls the selector without blocking (see
 * {@link InlineSlot} for the rules). With light handlers (an echo, a parse and a reply) this is
 * a Netty event loop: read, handle and write on one thread, no wake-up; with a busy pool it is
 * the hand-off to the workers as before. Each inline run's duration is reported to the channel whose readiness scheduled
 * it ({@link Selectable#ranInline}); a connection whose handler was slow there (longer than
 * {@link #INLINE_SLOW_NANOS}) stops offering it for a while, so that a slow or blocking handler
 * delays the loop's other connections rarely.
 *
 * <p>Wake-up invariant: a task offered by another thread is always followed by
 * {@code selector.wakeup()}. The JDK's wakeup is sticky (a wakeup while no select is in progress
 * makes the next select return at once), so a task queued between the loop's last
 * {@link #runTasks} and its next select is never left waiting for an unrelated event. The queue
 * is a {@link ConcurrentLinkedQueue}: offer happens-before the poll that returns it, so the
 * task's writes are visible to this thread.
 */
final class IoLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IoLoop.class);
    /** How often idle timeouts, close deadlines and connect timeouts are checked. */
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** What a selection key's attachment is: a channel the loop drives. */
    interface Selectable {
        /** Called on the loop thread with the key's ready operations. */
        void onReady(SelectionKey key, int readyOps);

        /** Called on the loop thread every sweep; {@code now} from {@link System#nanoTime()}. */
        default void onSweep(long now) {
        }

        /** Called on the loop thread when the loop closes with the channel still registered. */
        void onLoopClosed();

        /**
         * Whether what {@link #onReady} schedules may run on the loop thread ({@link InlineSlot});
         * asked on the loop thread before each {@code onReady}. No by default.
         */
        default boolean mayRunInline() {
            return false;
        }

        /**
         * Loop thread: a task this channel's {@code onReady} scheduled ran inline for
         * {@code nanos}; {@code slow} if longer than {@link #INLINE_SLOW_NANOS}.
         */
        default void ranInline(long nanos, boolean slow) {
        }
    }

    /** An inline run longer than this (1 ms) is reported as slow to the channel that scheduled it. */
    static final long INLINE_SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * How long the inline runs of one turn of the loop may take (1 ms) before it reads its
     * connections again; the activations left wait for the next turn.
     */
    static final long INLINE_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String threadName;
    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Reused for reads that start a new frame (most reads); owned by the loop thread. */
    private final ByteBuffer readBuffer;
    /** Channels with a deadline or timeout to check; loop thread only. */
    private final Set<Selectable> swept = new HashSet<>();
    /** Keys the last select reported; reused; loop thread only. */
    private final List<SelectionKey> ready = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closing;
    /** Set once the loop has run its last task: a task offered after it is taken back by {@link #execute}. */
    private volatile boolean terminated;
    private Thread thread;
    /** The core dispatcher whose handler activations this loop's thread may run inline; or null. */
    private final WorkStealingDispatcher inlineFor;
    /** Run on the loop's thread as it starts and ends (the actor system's: it runs actors). */
    private final ThreadHooks hooks;
    /** The thread's inline slot (dedicated mode with {@link #inlineFor}); loop thread only. */
    private InlineSlot slot;
    private long nextSweep;
    /** Worker-polled mode: the lock {@link #tryLock} takes; false in the dedicated mode. */
    private final boolean polled;
    private final AtomicBoolean lock = new AtomicBoolean();
    /**
     * Worker-polled mode: the lock holder, set after the CAS that takes the lock and cleared
     * before the release. Read by {@link #inLoop} from any thread, which can find itself there
     * only if it is the holder (it wrote the field itself and has not cleared it yet).
     */
    private volatile Thread holder;
    /** Closed (everything, once); guarded by the loop: the thread, or the lock. */
    private boolean closedEverything;

    IoLoop(String threadName, int readBufferSize) {
        this(threadName, readBufferSize, false, null, ThreadHooks.NONE);
    }

    /**
     * A dedicated loop whose thread may run handler activations for {@code inlineFor} itself
     * (null: never; see the class comment), and runs {@code hooks} as it starts and ends.
     */
    IoLoop(String threadName, int readBufferSize, WorkStealingDispatcher inlineFor, ThreadHooks hooks) {
        this(threadName, readBufferSize, false, inlineFor, hooks);
    }

    private IoLoop(String threadName, int readBufferSize, boolean polled, WorkStealingDispatcher inlineFor,
                   ThreadHooks hooks) {
        this.polled = polled;
        this.inlineFor = inlineFor;
        this.hooks = hooks;
        this.threadName = threadName;
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for " + threadName, e);
        }
    }

    /** A loop without a thread, driven by the core workers through {@link #poller()}. */
    static IoLoop workerPolled(String name, int readBufferSize) {
        return new IoLoop(name, readBufferSize, true, null, ThreadHooks.NONE);
    }

    void start() {
        if (inlineFor != null) {
            InlineSlot.HostThread host = InlineSlot.newHostThread(inlineFor, hooks.around(this), threadName);
            slot = host.inlineSlot(); // published to the thread by Thread.start
            thread = host;
        } else {
            thread = new Thread(hooks.around(this), threadName);
        }
        thread.setDaemon(true); // closed by the actor system's shutdown; never keeps a JVM alive by itself
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == (polled ? holder : thread);
    }

    /**
     * Runs {@code task} on the loop thread: at once if called there, else soon.
     *
     * @return false if the loop has closed (the task will not run)
     */
    boolean execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return true;
        }
        if (closing) {
            return false;
        }
        tasks.offer(task);
        selector.wakeup();
        // Dekker with closeEverything (it sets terminated, then drains): if this thread sees
        // terminated, the loop may not drain again, so take the task back unless it already ran.
        if (terminated && tasks.remove(task)) {
            return false;
        }
        return true;
    }

    /** Registers a channel on this loop's selector; loop thread only. */
    SelectionKey register(SelectableChannel channel, int ops, Selectable attachment) throws IOException {
        return channel.register(selector, ops, attachment);
    }

    /** Sweeps {@code s} every ~100 ms until {@link #unsweep}; loop thread only. */
    void sweep(Selectable s) {
        swept.add(s);
    }

    void unsweep(Selectable s) {
        swept.remove(s);
    }

    /** The loop's shared read buffer, cleared; loop thread only, valid until the next read. */
    ByteBuffer readBuffer() {
        return readBuffer.clear();
    }

    @Override
    public void run() {
        try {
            while (!closing) {
                runTasks();
                long timeoutMs = swept.isEmpty() ? 0 : Math.max(1, (nextSweep - System.nanoTime()) / 1_000_000);
                if (!tasks.isEmpty() || slot != null && slot.holdsTask()) {
                    selector.selectNow(ready::add); // never block with work at hand (InlineSlot's rule)
                } else {
                    selector.select(ready::add, timeoutMs);
                }
                afterSelect();
            }
        } catch (ClosedSelectorException | IOException e) {
            if (!closing) {
                LOG.error("{}: the selector failed; its connections are closed", threadName, e);
            }
        } catch (Throwable e) {
            LOG.error("{}: the I/O loop failed; its connections are closed", threadName, e);
        } finally {
            closeEverything();
            ended.countDown();
        }
    }

    /** Handles the keys the select reported, then sweeps if due. In the loop. */
    private void afterSelect() {
        Thread.interrupted(); // an interrupt makes every select return at once: never let it spin
        InlineSlot inline = slot;
        for (int i = 0; i < ready.size(); i++) {
            SelectionKey key = ready.get(i);
            if (key.isValid()) {
                Selectable s = (Selectable) key.attachment();
                boolean open = inline != null && s.mayRunInline();
                if (open) {
                    inline.open(s); // what this channel schedules is kept with it as the tag
                }
                try {
                    s.onReady(key, key.readyOps());
                } catch (RuntimeException e) {
                    LOG.error("{}: a channel's event handling failed", threadName, e);
                } finally {
                    if (open) {
                        inline.close();
                    }
                }
            }
        }
        ready.clear();
        if (inline != null && inline.holdsTask()) {
            runInline(inline);
        }
        long now = System.nanoTime();
        if (!swept.isEmpty() && now - nextSweep >= 0) {
            nextSweep = now + SWEEP_NANOS;
            for (Selectable s : new ArrayList<>(swept)) {
                s.onSweep(now);
            }
        } else if (swept.isEmpty()) {
            nextSweep = now + SWEEP_NANOS;
        }
    }

    /**
     * Runs the handler activations the slot holds, oldest first, until they have taken
     * {@link #INLINE_BATCH_NANOS} (at least one runs); what is left stays held for the next turn,
     * whose select does not block while the slot holds anything ({@link #run}), so that the
     * loop reads its connections at least every {@code INLINE_BATCH_NANOS} and no worker is
     * woken for light handlers.
     */
    private void runInline(InlineSlot inline) {
        long start = System.nanoTime();
        do {
            Object tag = inline.runNext();
            long took = inline.lastRunNanos();
            if (tag != null) {
                ((Selectable) tag).ranInline(took, took > INLINE_SLOW_NANOS);
            }
        } while (inline.holdsTask() && System.nanoTime() - start < INLINE_BATCH_NANOS);
    }

    // ------------------------------------------------------------------ worker-polled mode

    /** This loop as the core dispatcher's {@link IoPoller}; worker-polled mode only. */
    IoPoller poller() {
        if (!polled) {
            throw new IllegalStateException(threadName + " has a thread of its own");
        }
        return poller;
    }

    private final IoPoller poller = new IoPoller() {
        @Override
        public boolean tryLock() {
            if (lock.get() || !lock.compareAndSet(false, true)) {
                return false;
            }
            holder = Thread.currentThread();
            return true;
        }

        @Override
        public void unlock() {
            holder = null;
            lock.set(false);
        }

        /**
         * One turn: the one select (blocking unless {@code timeoutNanos} is 0 or tasks wait),
         * then the ready keys, the sweep and the tasks. Nothing that could queue work on the
         * calling worker runs before the select (see {@link IoPoller}).
         */
        @Override
        public void poll(long timeoutNanos) {
            if (closing) {
                return;
            }
            try {
                if (timeoutNanos == 0 || !tasks.isEmpty()) {
                    selector.selectNow(ready::add);
                } else {
                    long timeoutMs = 0; // 0: until a key is ready or a wakeup
                    if (!swept.isEmpty()) {
                        timeoutMs = Math.max(1, (nextSweep - System.nanoTime()) / 1_000_000);
                    }
                    if (timeoutNanos > 0) {
                        long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                        timeoutMs = timeoutMs == 0 ? ms : Math.min(timeoutMs, ms);
                    }
                    selector.select(ready::add, timeoutMs);
                }
                afterSelect();
                runTasks();
            } catch (ClosedSelectorException | IOException e) {
                if (!closing) {
                    LOG.error("{}: the selector failed; its connections are closed", threadName, e);
                    closing = true;
                    closeEverything();
                }
            }
        }

        /**
         * Skipped on the holder's own thread: it calls this only from code a poll runs after
         * its one select, so its next blocking select belongs to a later poll, which it enters
         * only after re-checking its parker and queues.
         */
        @Override
        public void wakeup() {
            if (holder != Thread.currentThread()) {
                selector.wakeup();
            }
        }
    };

    private void runTasks() {
        Runnable t;
        int budget = 4096; // the rest waits one select (selectNow) so I/O is never starved by tasks
        while (budget-- > 0 && (t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException e) {
                LOG.error("{}: a task failed", threadName, e);
            }
        }
    }

    private void closeEverything() {
        closing = true;
        if (closedEverything) {
            return;
        }
        closedEverything = true;
        if (slot != null) {
            slot.handOffRest(); // handler activations kept when an error ended the loop mid-batch
        }
        runTasks(); // closes and registrations queued before the close still happen, in order
        for (SelectionKey key : selector.keys()) {
            try {
                ((Selectable) key.attachment()).onLoopClosed();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing a channel failed", threadName, e);
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the selector failed", threadName, e);
        }
        terminated = true;
        Runnable t;
        while ((t = tasks.poll()) != null) { // offered after the close began: run so nothing waits on them
            try {
                t.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: a task failed during close", threadName, e);
            }
        }
    }

    /** Closes every channel and the selector; waits up to {@code timeoutMs} for the thread to end. */
    boolean close(long timeoutMs) {
        closing = true;
        selector.wakeup();
        if (polled) {
            return closePolled(timeoutMs);
        }
        if (thread == null) {
            closeEverything();
            return true;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            if (!ended.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                return false;
            }
            // The thread counts "ended" down just before it returns: join it too, so that once
            // close returns true the thread is gone, not merely about to end.
            if (Thread.currentThread() != thread) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            return !thread.isAlive() || Thread.currentThread() == thread;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Worker-polled mode: takes the lock (the holder's poll returns at once: {@code closing} is
     * set and the selector woken) and closes everything on the calling thread. The caller has
     * uninstalled the poller first, so workers stop coming back for the lock.
     */
    private boolean closePolled(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (int spins = 0; !poller.tryLock(); spins++) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 50_000); // a holder leaves within one task turn
            }
        }
        try {
            closeEverything();
        } finally {
            poller.unlock();
            ended.countDown();
        }
        return true;
    }

    String name() {
        return threadName;
    }
}
