package dev.kabuki.actors;

import dev.kabuki.scheduler.internal.ActivationDispatcher;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link ActivationDispatcher} for the jcstress tests of {@link Mailbox}: it counts the
 * activations it is handed and runs none of them, so a test sees exactly how often the mailbox
 * was scheduled, and by whom, during the race.
 *
 * <p>Each hand-over counts either for the thread that runs the activation under test (its idle
 * re-check, or a re-submission of itself: {@link #activationThread}) or for any other thread (a
 * sender that won the token). Any thread may call every method; nothing blocks.
 */
final class RecordingDispatcher implements ActivationDispatcher {
    private final AtomicInteger bySenders = new AtomicInteger();
    private final AtomicInteger byActivation = new AtomicInteger();
    /**
     * The thread that runs the activation under test, set by it before {@link Mailbox#run()}.
     * Read by any thread without synchronization: another thread sees null or this thread,
     * never itself, so the comparison in {@link #record} is exact.
     */
    Thread activationThread;

    private void record() {
        if (Thread.currentThread() == activationThread) {
            byActivation.incrementAndGet();
        } else {
            bySenders.incrementAndGet();
        }
    }

    @Override
    public void execute(Task activation) {
        record();
    }

    @Override
    public void executeYielded(Task activation) {
        record();
    }

    @Override
    public boolean hasQueuedWork() {
        return false;
    }

    @Override
    public ActivationDispatcher fallback() {
        return null;
    }

    /** A timer that counts what it is given as one more hand-over (a deferred re-submission). */
    @Override
    public Timer timer() {
        return (delay, action) -> {
            record();
            return () -> false;
        };
    }

    /** Activations handed over by threads other than the activation's own (senders). */
    int bySenders() {
        return bySenders.get();
    }

    /** Activations handed over by the activation's own thread (re-check, re-submission). */
    int byActivation() {
        return byActivation.get();
    }

    /** Every hand-over, by anyone. */
    int dispatches() {
        return bySenders.get() + byActivation.get();
    }
}
