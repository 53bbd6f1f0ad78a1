package dev.kabuki.scheduler;

/**
 * A core worker thread of a {@link WorkStealingDispatcher}. Its type is how the runtime knows,
 * in one {@code instanceof}, that the current thread must never block (see
 * {@link JoinHandle#join()}).
 */
final class WorkerThread extends Thread {
    final int index;

    WorkerThread(Runnable loop, String name, int index) {
        super(null, loop, name);
        this.index = index;
        setDaemon(false);
    }
}
