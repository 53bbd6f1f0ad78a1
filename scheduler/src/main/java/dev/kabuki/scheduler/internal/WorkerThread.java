package dev.kabuki.scheduler.internal;

/**
 * A core worker thread of a {@link WorkStealingDispatcher}. Its type is how the runtime knows,
 * in one {@code instanceof}, that the current thread must never block (see
 * {@link JoinHandle#join()}) and which worker's local queue a spawn should go to.
 */
final class WorkerThread extends Thread {
    final WorkStealingDispatcher.Worker worker;

    WorkerThread(WorkStealingDispatcher.Worker worker, String name) {
        super(null, worker, name);
        this.worker = worker;
        setDaemon(false);
    }
}
