package dev.kabuki.scheduler;

import java.util.concurrent.Callable;

/**
 * Something that spawns tasks onto the core and the blocking dispatcher, and makes promises
 * bound to it: the runtime a user holds ({@code ActorSystem}). {@link JoinSet} spawns through
 * it.
 */
public interface TaskSpawner {

    /** Spawns a non-blocking task on the core dispatcher. Thread-safe; never blocks. */
    <T> JoinHandle<T> spawn(Callable<T> body);

    /** Spawns a task that may block on the blocking dispatcher. Thread-safe; never blocks. */
    <T> JoinHandle<T> spawnBlocking(Callable<T> body);

    /**
     * A new pending {@link Promise}, completed by whoever holds it ({@link Promise#complete},
     * {@link Promise#fail}): to hand a callback API's result, or another thread's, to code that
     * works with {@link JoinHandle}s. Its {@link JoinHandle#orTimeout orTimeout} uses the
     * runtime's timer. On a current-thread runtime it belongs to that runtime like a task:
     * {@code join} outside {@code blockOn}, while nothing drives the runtime, throws
     * {@link IllegalStateException} instead of waiting (see {@link Promise}).
     *
     * <p>Thread-safe; never blocks.
     *
     * @param <T> the value type
     * @return a new pending promise
     */
    <T> Promise<T> promise();
}
