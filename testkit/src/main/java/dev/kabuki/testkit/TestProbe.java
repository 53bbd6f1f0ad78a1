package dev.kabuki.testkit;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A test's stand-in for an actor: an {@link ActorRef} the test hands to the actors under test
 * (as a reply address inside a message, or as a collaborator), whose messages the test then
 * reads and checks. Made by {@link ActorTestKit#createProbe()}.
 *
 * <pre>{@code
 * TestProbe<Integer> probe = kit.createProbe();
 * counter.tell(new Get(probe.ref()));
 * assertEquals(5, probe.expectMessage(Duration.ofSeconds(1)));
 * probe.expectNoMessage(Duration.ofMillis(200));
 * }</pre>
 *
 * <h2>What it is</h2>
 * Behind the probe is a real actor of the kit's system, {@code /user/probe-N}: it has a path,
 * can be watched and stopped, and puts every message it receives in a queue the test reads,
 * in arrival order. Every {@link ActorRef} method goes to that actor: {@link #tell} and
 * {@link #tryTell} queue the message; {@link #ask} queues the request built around a one-shot
 * reply address, so the test can read the request and answer through the address it carries
 * (or let the ask time out: nobody else answers). Where the runtime needs the actor itself
 * ({@code ctx.watch}, {@code system.stop}, comparing with a ref that arrived in a message),
 * use {@link #ref()}, the actor's own ref; the probe object is not one of the system's actors.
 *
 * <h2>Waiting</h2>
 * Every {@code expect...} and {@code receive...} method blocks the calling thread until it
 * succeeds or its timeout (real time; default 3 s, see {@link #defaultTimeout(Duration)}) runs
 * out, and then throws an {@link AssertionError} saying what arrived instead. On a paused kit
 * (see {@link ActorTestKit}) it runs the system on the calling thread while it waits:
 * {@code expectMessage} runs what is ready and never moves the manual clock (an actor's timer
 * due in 5 s does not fire until the test calls {@code kit.advance}); only
 * {@link #expectNoMessage(Duration)} moves the clock, by the duration it is given.
 *
 * <h2>Thread safety</h2>
 * The expect methods are for the test's one thread. {@link #tell} and the other
 * {@link ActorRef} methods may be called from any thread, like any actor's.
 *
 * @param <M> the messages the probe accepts
 */
public final class TestProbe<M> implements ActorRef<M> {
    private final ActorTestKit kit;
    private final ActorRef<M> ref;
    private final ConcurrentLinkedQueue<M> messages = new ConcurrentLinkedQueue<>();
    /** Actors the probe's actor watches that have terminated and not yet been expected. */
    private final Set<ActorRef<?>> terminated = ConcurrentHashMap.newKeySet();
    private volatile Duration defaultTimeout = ActorTestKit.DEFAULT_TIMEOUT;

    /** Tells the probe's actor to watch an actor; never put in the message queue. */
    private record Watch(ActorRef<?> target) {
    }

    @SuppressWarnings("unchecked")
    TestProbe(ActorTestKit kit, String name) {
        this.kit = kit;
        this.ref = (ActorRef<M>) kit.system().spawnActor(name, () -> new ProbeActor());
    }

    /** The actor behind the probe: queues messages and terminations, then wakes the test. */
    private final class ProbeActor implements Actor<Object> {
        @Override
        @SuppressWarnings("unchecked")
        public void receive(ActorContext<Object> ctx, Object message) {
            if (message instanceof Watch w) {
                ctx.watch(w.target());
                return;
            }
            messages.add((M) message);
            kit.signal();
        }

        @Override
        public void onTerminated(ActorContext<Object> ctx, ActorRef<?> actor) {
            terminated.add(actor);
            kit.signal();
        }
    }

    // ------------------------------------------------------------------ ActorRef

    /** The probe's own actor: what to watch, stop, or compare refs that arrive in messages with. */
    public ActorRef<M> ref() {
        return ref;
    }

    /** Queues the message for the test to read. Never blocks. */
    @Override
    public void tell(M message) {
        ref.tell(message);
    }

    /** Queues the message; false once the probe's actor has stopped. Never blocks. */
    @Override
    public boolean tryTell(M message) {
        return ref.tryTell(message);
    }

    /**
     * Queues the request built around a reply address: the test reads it with an
     * {@code expect...} method and may answer through that address; unanswered, the returned
     * handle times out after {@code timeout} (on a paused kit, when the clock gets there).
     * Never blocks.
     */
    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        return ref.ask(request, timeout);
    }

    @Override
    public String path() {
        return ref.path();
    }

    @Override
    public String name() {
        return ref.name();
    }

    @Override
    public int mailboxDepth() {
        return ref.mailboxDepth();
    }

    // ------------------------------------------------------------------ settings

    /** How long the methods without a timeout wait. Default 3 s. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Sets how long the methods without a timeout wait.
     *
     * @return this probe
     * @throws IllegalArgumentException {@code timeout} is negative
     */
    public TestProbe<M> defaultTimeout(Duration timeout) {
        this.defaultTimeout = checkTimeout(timeout);
        return this;
    }

    // ------------------------------------------------------------------ expectations

    /** {@link #expectMessage(Duration)} with the default timeout. */
    public M expectMessage() {
        return expectMessage(defaultTimeout);
    }

    /**
     * Takes the next message, waiting up to {@code max} for it to arrive.
     *
     * @throws AssertionError nothing arrived within {@code max}
     */
    public M expectMessage(Duration max) {
        M m = poll(max);
        if (m == null) {
            throw new AssertionError("expected a message within " + format(max) + ", got none" + idleHint());
        }
        return m;
    }

    /** {@link #expectMessage(Duration, Object)} with the default timeout. */
    public M expectMessage(M expected) {
        return expectMessage(defaultTimeout, expected);
    }

    /**
     * Takes the next message and checks that it {@code equals} {@code expected}.
     *
     * @return the message
     * @throws AssertionError nothing arrived within {@code max}, or another message did
     */
    public M expectMessage(Duration max, M expected) {
        Objects.requireNonNull(expected, "expected");
        M m = poll(max);
        if (m == null) {
            throw new AssertionError("expected " + expected + " within " + format(max) + ", got none" + idleHint());
        }
        if (!expected.equals(m)) {
            throw new AssertionError("expected " + expected + " within " + format(max) + ", got " + m);
        }
        return m;
    }

    /** {@link #expectMessageClass(Class, Duration)} with the default timeout. */
    public <T extends M> T expectMessageClass(Class<T> type) {
        return expectMessageClass(type, defaultTimeout);
    }

    /**
     * Takes the next message and checks that it is an instance of {@code type}.
     *
     * @return the message, as a {@code T}
     * @throws AssertionError nothing arrived within {@code max}, or a message of another class
     */
    public <T extends M> T expectMessageClass(Class<T> type, Duration max) {
        Objects.requireNonNull(type, "type");
        M m = poll(max);
        if (m == null) {
            throw new AssertionError("expected a message of class " + type.getSimpleName() + " within "
                    + format(max) + ", got none" + idleHint());
        }
        if (!type.isInstance(m)) {
            throw new AssertionError("expected a message of class " + type.getSimpleName() + " within "
                    + format(max) + ", got " + m);
        }
        return type.cast(m);
    }

    /**
     * Checks that no message arrives for {@code d}. On a paused kit it moves the manual clock
     * forward by {@code d} (running every timer and message due meanwhile, as
     * {@link ActorTestKit#advance} does) and then checks, taking no real time; so it does not
     * wait for actors that run in real time (tagged blocking): use a real-time kit for those. On
     * a real-time kit it waits {@code d}.
     *
     * @throws AssertionError a message arrived (it is taken and named)
     */
    public void expectNoMessage(Duration d) {
        checkTimeout(d);
        M m;
        if (kit.isPaused()) {
            kit.advance(d);
            m = messages.poll();
        } else {
            m = poll(d);
        }
        if (m != null) {
            throw new AssertionError("expected no message for " + format(d) + ", got " + m);
        }
    }

    /**
     * Checks that no message has arrived so far: runs what is ready on a paused kit, then looks,
     * without waiting or moving the clock.
     *
     * @throws AssertionError a message is there (it is taken and named)
     */
    public void expectNoMessage() {
        kit.runUntilIdle();
        M m = messages.poll();
        if (m != null) {
            throw new AssertionError("expected no message, got " + m);
        }
    }

    /** {@link #receiveMessages(int, Duration)} with the default timeout. */
    public List<M> receiveMessages(int n) {
        return receiveMessages(n, defaultTimeout);
    }

    /**
     * Takes the next {@code n} messages, waiting up to {@code max} in all for them.
     *
     * @return the messages, in arrival order
     * @throws AssertionError fewer than {@code n} arrived within {@code max}; the message lists
     *                        those that did (they are taken)
     */
    public List<M> receiveMessages(int n, Duration max) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        long deadline = deadline(max);
        kit.await(() -> messages.size() >= n, deadline);
        List<M> got = new ArrayList<>(n);
        M m;
        while (got.size() < n && (m = messages.poll()) != null) {
            got.add(m);
        }
        if (got.size() < n) {
            throw new AssertionError("expected " + n + " messages within " + format(max) + ", got "
                    + got.size() + ": " + got + idleHint());
        }
        return Collections.unmodifiableList(got);
    }

    /** {@link #expectTerminated(ActorRef, Duration)} with the default timeout. */
    public void expectTerminated(ActorRef<?> actor) {
        expectTerminated(actor, defaultTimeout);
    }

    /**
     * Checks that {@code actor} stops within {@code max}, or has stopped: the probe's actor
     * watches it (death watch; watching a stopped actor reports it at once). Terminations are
     * kept apart from messages, so expecting one neither takes nor skips a message. Never moves
     * the clock.
     *
     * @throws AssertionError the actor has not stopped within {@code max}
     * @throws IllegalArgumentException {@code actor} is not an actor of the kit's system (pass
     *                                  a probe's {@link #ref()}, not the probe)
     */
    public void expectTerminated(ActorRef<?> actor, Duration max) {
        Objects.requireNonNull(actor, "actor");
        if (actor instanceof TestProbe<?> p) {
            actor = p.ref();
        }
        long deadline = deadline(max);
        ref.tell(castWatch(new Watch(actor)));
        ActorRef<?> target = actor;
        if (!kit.await(() -> terminated.contains(target), deadline)) {
            throw new AssertionError("expected " + target.path() + " to terminate within " + format(max)
                    + ", but it is still alive" + idleHint());
        }
        terminated.remove(target);
    }

    @SuppressWarnings("unchecked")
    private M castWatch(Watch w) {
        return (M) w; // the probe's actor takes any object; a Watch never reaches the queue
    }

    // ------------------------------------------------------------------ helpers

    /** The next message, waiting up to {@code max}; null if none came. */
    private M poll(Duration max) {
        long deadline = deadline(max);
        kit.await(() -> !messages.isEmpty(), deadline);
        return messages.poll();
    }

    private static long deadline(Duration max) {
        return System.nanoTime() + checkTimeout(max).toNanos();
    }

    private static Duration checkTimeout(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + d);
        }
        return d;
    }

    /** On a paused kit with timers pending: a reminder that waiting does not move the clock. */
    private String idleHint() {
        if (!kit.isPaused() || kit.system().isShutdown()) {
            return "";
        }
        int timers = kit.system().metrics().pendingTimers();
        return timers == 0 ? "" : " (the kit runs on manual time and " + timers + " timer(s) are pending:"
                + " waiting does not move the clock, kit.advance(...) does)";
    }

    /** A duration as a test reads it: {@code 3 s}, {@code 200 ms}, {@code 1 h}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + " h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + " min";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }

    @Override
    public String toString() {
        return "TestProbe(" + ref.path() + ")";
    }
}
