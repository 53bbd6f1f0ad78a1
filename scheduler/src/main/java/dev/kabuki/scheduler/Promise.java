package dev.kabuki.scheduler;

import java.time.Duration;

/**
 * A {@link JoinHandle} that code completes, not a task body (Tokio's {@code oneshot} channel):
 * the bridge from a callback API, another thread, or an actor's later reply to everything a
 * handle offers ({@code join}, {@code whenComplete}, {@code map}, {@link JoinSet}...).
 *
 * <pre>{@code
 * Promise<Response> reply = system.promise();
 * httpClient.sendAsync(request, (response, error) -> {
 *     if (error == null) reply.complete(response); else reply.fail(error);
 * });
 * reply.orTimeout(Duration.ofSeconds(5));
 * JoinHandle<String> body = reply.map(Response::body);
 * }</pre>
 *
 * <h2>Outcome</h2>
 * The first of {@link #complete}, {@link #fail}, {@link #abort()} and the
 * {@linkplain #orTimeout(Duration) timeout} wins; every later call returns {@code false} (or
 * does nothing) and changes nothing. {@code abort()} on a promise only completes it as
 * {@link JoinHandle.Outcome#CANCELLED}: there is no task to interrupt, and whoever was going to
 * complete it finds {@code complete} returning {@code false}.
 *
 * <h2>Thread safety</h2>
 * Every method may be called from any thread at any time, also concurrently with each other.
 *
 * <h2>Blocking</h2>
 * {@code complete} and {@code fail} never wait for another thread. The call that wins runs the
 * promise's {@link #whenComplete whenComplete} callbacks and derived handles' functions
 * ({@link #map}, {@link #flatMap}, {@link #recover}) on the calling thread before it returns,
 * so it takes as long as they do; keep those short. {@code join} blocks as described in
 * {@link JoinHandle}.
 *
 * <h2>Current-thread runtimes</h2>
 * A promise made by a runtime of the current-thread flavour belongs to it like its tasks do:
 * joined outside {@code blockOn} while nothing drives that runtime, {@code join} throws
 * {@link IllegalStateException} at once rather than wait, even if another thread of yours
 * would complete the promise. Join it inside {@code blockOn}, or compose with
 * {@link #whenComplete}.
 *
 * @param <T> the value type
 */
public interface Promise<T> extends JoinHandle<T> {

    /**
     * Completes the promise with a value ({@code null} is a value), unless it has already
     * completed. Thread-safe; never waits for another thread, but runs the callbacks registered
     * so far on the calling thread if it wins (see the class comment).
     *
     * @param value the value {@link #join()} returns from now on
     * @return {@code true} if this call completed the promise, {@code false} if it had already
     *         completed (by {@code complete}, {@code fail}, {@code abort} or its timeout), in
     *         which case nothing changed
     */
    boolean complete(T value);

    /**
     * Completes the promise as {@link JoinHandle.Outcome#FAILED}, unless it has already
     * completed: {@link #join()} then throws {@link TaskFailedException} whose cause is
     * {@code cause}. Thread-safe; never waits for another thread, but runs the callbacks
     * registered so far on the calling thread if it wins (see the class comment).
     *
     * @param cause why it failed; not {@code null}
     * @return {@code true} if this call completed the promise, {@code false} if it had already
     *         completed, in which case nothing changed
     * @throws NullPointerException {@code cause} is {@code null} (the promise is unchanged)
     */
    boolean fail(Throwable cause);
}
