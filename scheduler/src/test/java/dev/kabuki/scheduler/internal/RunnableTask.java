package dev.kabuki.scheduler.internal;

/**
 * A plain {@link Task} for tests: runs its body, and ignores being abandoned (the tests that
 * use it assert on what ran, not on shutdown). Immutable; as thread-safe as its body.
 */
final class RunnableTask implements Task {
    private final Runnable body;

    RunnableTask(Runnable body) {
        this.body = body;
    }

    @Override
    public void run() {
        body.run();
    }

    @Override
    public void abandon(Throwable reason) {
    }
}
