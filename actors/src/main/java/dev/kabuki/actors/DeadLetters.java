package dev.kabuki.actors;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where undeliverable messages go: a message to a stopped actor, a reply to an ask that has
 * already timed out. Nothing is dropped silently: every dead letter is counted, handed to
 * subscribers, and logged at INFO, at most one line per {@value #LOG_INTERVAL_MILLIS} ms (the
 * line says how many were not logged since the last one), so a flood cannot flood the log.
 *
 * <p>Thread-safe. Subscribers run on the thread that produced the dead letter: keep them short
 * and non-blocking; one that throws is logged and stays subscribed.
 */
public final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    static final long LOG_INTERVAL_MILLIS = 1000;

    private final LongAdder count = new LongAdder();
    private final List<Consumer<? super DeadLetter>> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
    private final LongAdder notLogged = new LongAdder();

    DeadLetters() {
    }

    /** Dead letters since the system started. */
    public long count() {
        return count.sum();
    }

    /**
     * Calls {@code subscriber} for every later dead letter, until the returned handle is closed.
     */
    public AutoCloseable subscribe(Consumer<? super DeadLetter> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    void publish(Object message, String recipient, String reason) {
        count.increment();
        if (!subscribers.isEmpty()) {
            DeadLetter letter = new DeadLetter(message, recipient, reason);
            for (Consumer<? super DeadLetter> s : subscribers) {
                try {
                    s.accept(letter);
                } catch (Throwable t) {
                    LOG.warn("a dead-letter subscriber threw", t);
                }
            }
        }
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + TimeUnit.MILLISECONDS.toNanos(LOG_INTERVAL_MILLIS))) {
            long skipped = notLogged.sumThenReset();
            LOG.info("dead letter to {} ({}): {}{}", recipient, reason, describe(message),
                    skipped > 0 ? " [" + skipped + " more dead letters not logged since the last line]" : "");
        } else {
            notLogged.increment();
        }
    }

    private static String describe(Object message) {
        return message == null ? "null" : message.getClass().getName();
    }
}
