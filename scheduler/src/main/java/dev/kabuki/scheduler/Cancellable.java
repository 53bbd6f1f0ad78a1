package dev.kabuki.scheduler;

/**
 * A pending timer that can be cancelled: what {@code ctx.scheduleOnce} and
 * {@code ctx.scheduleAtFixedRate} return.
 *
 * <p>Thread-safe: any thread may cancel, any number of times; never blocks.
 */
public interface Cancellable {
    /**
     * Cancels the timer if it has not fired yet (a periodic timer: stops its later firings).
     * The action then neither runs nor is abandoned.
     *
     * @return {@code true} if this call cancelled it, {@code false} if it had already fired (a
     *     one-shot timer) or been cancelled
     */
    boolean cancel();
}
