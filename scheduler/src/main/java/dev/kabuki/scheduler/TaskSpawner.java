package dev.kabuki.scheduler;

import java.util.concurrent.Callable;

/**
 * Something that spawns tasks onto the core and the blocking dispatcher: the runtime a user
 * holds ({@code ActorSystem}). {@link JoinSet} spawns through it.
 */
public interface TaskSpawner {

    /** Spawns a non-blocking task on the core dispatcher. Thread-safe; never blocks. */
    <T> JoinHandle<T> spawn(Callable<T> body);

    /** Spawns a task that may block on the blocking dispatcher. Thread-safe; never blocks. */
    <T> JoinHandle<T> spawnBlocking(Callable<T> body);
}
