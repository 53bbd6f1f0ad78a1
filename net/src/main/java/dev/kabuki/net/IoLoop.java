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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector and the thread that selects on it: accepts, connects, reads and decodes, and
 * writes what the handlers could not write at once. Everything touching the selector, a key's
 * interest set or a channel's registration runs on this thread; other threads hand it work with
 * {@link #execute}.
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
    }

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
    private long nextSweep;

    IoLoop(String threadName, int readBufferSize) {
        this.threadName = threadName;
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for " + threadName, e);
        }
    }

    void start() {
        thread = new Thread(this, threadName);
        thread.setDaemon(true); // closed by the actor system's shutdown; never keeps a JVM alive by itself
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
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
                if (!tasks.isEmpty()) {
                    selector.selectNow(ready::add);
                } else {
                    selector.select(ready::add, timeoutMs);
                }
                Thread.interrupted(); // an interrupt makes every select return at once: never let it spin
                for (int i = 0; i < ready.size(); i++) {
                    SelectionKey key = ready.get(i);
                    if (key.isValid()) {
                        try {
                            ((Selectable) key.attachment()).onReady(key, key.readyOps());
                        } catch (RuntimeException e) {
                            LOG.error("{}: a channel's event handling failed", threadName, e);
                        }
                    }
                }
                ready.clear();
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
        if (thread == null) {
            closeEverything();
            return true;
        }
        try {
            return ended.await(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String name() {
        return threadName;
    }
}
