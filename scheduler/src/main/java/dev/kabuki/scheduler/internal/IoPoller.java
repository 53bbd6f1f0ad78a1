package dev.kabuki.scheduler.internal;

/**
 * An I/O driver that the core workers of a {@link WorkStealingDispatcher} poll themselves
 * (Tokio's design): a worker about to park polls it instead of sleeping, and a busy worker polls
 * it without blocking every {@value WorkStealingDispatcher#MAINTENANCE_INTERVAL} tasks. Installed
 * with {@link WorkStealingDispatcher#installIoPoller}; internal to kabuki (kabuki-net's
 * worker-polled driver).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #poll} is called only by the thread that won {@link #tryLock} and has not yet
 *       called {@link #unlock}: at most one thread polls at a time. The lock's acquire and
 *       release order everything one holder did before everything the next holder does.</li>
 *   <li>{@link #poll} blocks at most once, in its first step, and only if {@code timeoutNanos}
 *       is not 0; everything it then does (reading, telling actors, running its own tasks) runs
 *       after that single blocking step. A worker can therefore never block in the poller with
 *       work that the poll itself queued on the worker.</li>
 *   <li>{@link #wakeup} is sticky: a wakeup issued while no poll is blocked makes the next
 *       poll's blocking step return at once ({@code Selector.wakeup}'s guarantee). It may be
 *       called by any thread, at any time, including after the poller was closed.</li>
 * </ul>
 */
public interface IoPoller {

    /** Tries to become the poller's only caller; never blocks. */
    boolean tryLock();

    /**
     * Polls once: waits at most {@code timeoutNanos} for I/O (0: not at all; negative: until
     * I/O, a {@link #wakeup} or the poller's own deadline), then handles what is ready. Lock
     * holder only. Returns early, doing nothing, once the poller is closing.
     */
    void poll(long timeoutNanos);

    /** Releases the lock taken by {@link #tryLock}. Lock holder only. */
    void unlock();

    /** Makes a blocked {@link #poll} return, or the next one not block. Any thread. */
    void wakeup();
}
