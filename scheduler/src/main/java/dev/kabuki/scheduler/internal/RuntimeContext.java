package dev.kabuki.scheduler.internal;

import java.util.Objects;

/**
 * What every pool of one runtime shares: the name its threads carry, the hooks run on each of
 * them, and the timer its handles time out with. A runtime makes one and hands it to each of
 * its pools ({@link WorkStealingDispatcher.Builder#context}, and the blocking pool's builder),
 * so the settings are given, and checked, once.
 *
 * <p>Immutable; valid by construction: the constructor rejects a bad prefix.
 *
 * @param threadNamePrefix the runtime's name, the first part of every thread name
 *                         ({@code <prefix>-worker-N}, {@code <prefix>-blocking-N}) and of its
 *                         messages; not null or blank
 * @param hooks            run on every thread a pool makes, as it starts and as it ends; not
 *                         null ({@link ThreadHooks#NONE} for none)
 * @param timer            the timer for {@code schedule} and handle timeouts; may be null, and
 *                         then those throw {@link IllegalStateException}. A pool does not own
 *                         it: whoever made it shuts it down. Every deadline the pools compute is
 *                         measured on its clock ({@link Timer#nanoTime()}): a
 *                         {@link ManualTimer} here puts the runtime on manual time, and a
 *                         {@link CurrentThreadDispatcher#CurrentThreadDispatcher(RuntimeContext)
 *                         current-thread dispatcher} built on it can
 *                         {@link CurrentThreadDispatcher#advance advance} it.
 */
public record RuntimeContext(String threadNamePrefix, ThreadHooks hooks, Timer timer) {
    /** Default thread name prefix: {@code "kabuki"}. */
    public static final String DEFAULT_THREAD_NAME_PREFIX = "kabuki";

    /** A pool's default: prefix {@code "kabuki"}, no hooks, no timer. */
    public static final RuntimeContext DEFAULT = named(DEFAULT_THREAD_NAME_PREFIX);

    /**
     * Checks the prefix and the hooks.
     *
     * @throws IllegalArgumentException {@code threadNamePrefix} is null or blank
     * @throws NullPointerException     {@code hooks} is null
     */
    public RuntimeContext {
        checkThreadNamePrefix(threadNamePrefix);
        Objects.requireNonNull(hooks, "hooks");
    }

    /** A context with this prefix, no hooks and no timer. */
    public static RuntimeContext named(String threadNamePrefix) {
        return new RuntimeContext(threadNamePrefix, ThreadHooks.NONE, null);
    }

    /**
     * The one check of a thread name prefix, for a builder that validates its settings before it
     * makes the context.
     *
     * @return {@code prefix}
     * @throws IllegalArgumentException {@code prefix} is null or blank; the message names the
     *                                  setting and the value
     */
    public static String checkThreadNamePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("threadNamePrefix must not be null or blank, got "
                    + (prefix == null ? "null" : "\"" + prefix + "\""));
        }
        return prefix;
    }
}
