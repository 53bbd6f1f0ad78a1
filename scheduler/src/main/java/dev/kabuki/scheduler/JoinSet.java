package dev.kabuki.scheduler;

import dev.kabuki.scheduler.internal.PromiseHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A group of tasks joined in the order they finish, aborted together when the group closes
 * (Tokio's {@code JoinSet}): structured concurrency with try-with-resources.
 *
 * <pre>{@code
 * try (JoinSet<String> set = system.joinSet()) {
 *     for (URI uri : uris) set.spawnBlocking(() -> fetch(uri));
 *     JoinHandle<String> first;
 *     while ((first = set.joinNext()) != null) {
 *         System.out.println(first.join());   // finished: join() does not block
 *     }
 * }   // anything still running is aborted here
 * }</pre>
 *
 * <h2>Thread safety</h2>
 * The set is meant to be owned by one thread (or one task) at a time: call {@code spawn},
 * {@code joinNext} and {@code close} from that owner. Members complete from any thread.
 *
 * <h2>Blocking</h2>
 * {@link #joinNext()} and {@link #joinAll()} wait like {@link JoinHandle#join()}, with the same
 * rule: on a core worker they throw {@link IllegalStateException} rather than block (use
 * {@link #tryJoinNext()} there); on a current-thread driver they run queued tasks while waiting.
 * {@link #close()} never blocks.
 *
 * @param <T> the tasks' value type
 */
public final class JoinSet<T> implements AutoCloseable {
    private final TaskSpawner spawner;
    /**
     * Members are kept as {@code JoinHandle<T>} although {@link #add} takes
     * {@code JoinHandle<? extends T>}: {@code JoinHandle} is covariant in its value type. Its
     * methods only hand a value out (join, whenComplete, map, flatMap), and the one that takes
     * a value-producing function, recover, puts what it makes into a new handle; setting a
     * value ({@code Promise.complete}) is not part of {@code JoinHandle}. So viewing a
     * {@code JoinHandle<Integer>} as a {@code JoinHandle<Number>} never stores a non-Integer
     * in it. See {@link #widen}.
     */
    private final Set<JoinHandle<T>> members = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<JoinHandle<T>> finished = new ConcurrentLinkedQueue<>();
    /**
     * Completed by the next member to finish, to wake {@link #joinNext}. It has no timer (the
     * wait is {@code join(Duration)}, not {@code orTimeout}) and no current-thread home: a member
     * that runs on the blocking pool completes it without a driver, so binding it to the
     * runtime would refuse a join that is sure to end. Inside {@code blockOn} the driver runs
     * queued tasks while waiting for it all the same.
     */
    private volatile PromiseHandle<Void> wakeup;
    private volatile boolean closed;

    /** @param spawner where {@link #spawn} and {@link #spawnBlocking} send tasks */
    public JoinSet(TaskSpawner spawner) {
        this.spawner = Objects.requireNonNull(spawner, "spawner");
    }

    /** Spawns a core task into the set. */
    public JoinHandle<T> spawn(Callable<T> body) {
        return add(spawner.spawn(body));
    }

    /** Spawns a blocking task into the set. */
    public JoinHandle<T> spawnBlocking(Callable<T> body) {
        return add(spawner.spawnBlocking(body));
    }

    /**
     * Adopts a handle made elsewhere (an ask, a scheduled task, a {@link Promise}, a derived
     * handle), also one of a subtype of {@code T}: an ask of {@code Integer} joins a
     * {@code JoinSet<Number>}. The set then holds that very handle: {@link #joinNext()} returns
     * it (as a {@code JoinHandle<T>}), and {@link #close()} aborts it.
     *
     * <p>Returns its argument with its own static type, so that adopting and keeping go
     * together: {@code Promise<Integer> p = set.add(system.promise());}. Call it from the
     * set's owner; never blocks (but if {@code handle} has already finished, it is queued for
     * {@code joinNext} on the calling thread).
     *
     * @param handle the handle to adopt; not {@code null}
     * @param <H>    the handle's own type
     * @return {@code handle}
     * @throws IllegalStateException the set is closed (the handle is aborted first)
     */
    public <H extends JoinHandle<? extends T>> H add(H handle) {
        Objects.requireNonNull(handle, "handle");
        if (closed) {
            handle.abort();
            throw new IllegalStateException("JoinSet is closed");
        }
        JoinHandle<T> member = widen(handle);
        members.add(member);
        member.whenComplete((v, e) -> {
            finished.add(member);
            PromiseHandle<Void> w = wakeup;
            if (w != null) {
                w.complete(null);
            }
        });
        return handle;
    }

    /** The same handle, typed as a handle of T; safe because a handle is covariant (see {@link #members}). */
    @SuppressWarnings("unchecked")
    private static <T> JoinHandle<T> widen(JoinHandle<? extends T> handle) {
        return (JoinHandle<T>) handle;
    }

    /** Members not yet returned by a join method. */
    public int size() {
        return members.size();
    }

    /** Whether every member has been returned by a join method. */
    public boolean isEmpty() {
        return members.isEmpty();
    }

    /** A finished member, removed from the set, or null if none has finished yet. Never blocks. */
    public JoinHandle<T> tryJoinNext() {
        JoinHandle<T> h = finished.poll();
        if (h != null) {
            members.remove(h);
        }
        return h;
    }

    /**
     * Waits for the next member to finish and removes it from the set; {@code join()} on the
     * returned handle then gives its outcome without blocking.
     *
     * @return the finished handle, or null if the set is empty
     */
    public JoinHandle<T> joinNext() {
        return joinNext(null);
    }

    /**
     * Like {@link #joinNext()}, waiting at most {@code timeout}.
     *
     * @throws JoinTimeoutException no member finished in time
     */
    public JoinHandle<T> joinNext(Duration timeout) {
        for (;;) {
            JoinHandle<T> h = tryJoinNext();
            if (h != null || members.isEmpty()) {
                return h;
            }
            PromiseHandle<Void> w = new PromiseHandle<>(null);
            wakeup = w;
            if (!finished.isEmpty()) {
                continue; // completed between the poll and publishing the wake-up
            }
            if (timeout == null) {
                w.join();
            } else {
                w.join(timeout);
            }
        }
    }

    /**
     * Joins every member in completion order and returns their values. If one fails, the rest
     * are aborted and its exception is thrown.
     */
    public List<T> joinAll() {
        List<T> values = new ArrayList<>(members.size());
        JoinHandle<T> h;
        try {
            while ((h = joinNext()) != null) {
                values.add(h.join());
            }
        } catch (RuntimeException e) {
            abortAll();
            throw e;
        }
        return values;
    }

    /** Aborts every member not yet finished. Never blocks. */
    public void abortAll() {
        for (JoinHandle<T> h : members) {
            h.abort();
        }
    }

    /** Aborts every member not yet finished and refuses new ones. Never blocks. Idempotent. */
    @Override
    public void close() {
        closed = true;
        abortAll();
    }
}
