package dev.kabuki.actors;

import dev.kabuki.actors.internal.WatchableRef;
import dev.kabuki.mailbox.OverflowPolicy;
import dev.kabuki.mailbox.internal.BoundedMessageQueue;
import dev.kabuki.mailbox.internal.ManyToOneMessageQueue;
import dev.kabuki.mailbox.internal.MessageQueue;
import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.PromiseHandle;
import dev.kabuki.scheduler.internal.Task;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One actor's lifecycle and supervision, and its faces to the world: it is at once the actor's
 * {@link ActorRef}, its {@link ActorContext} and the {@link MailboxConsumer} its {@link Mailbox}
 * drives. The mailbox decides when the actor runs; this class decides what a message or a
 * signal does to it.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>Started: the first activation runs {@code onStart}.</li>
 *   <li>Running: {@link #invoke} hands each message to {@code receive}; an exception goes to
 *       the supervision strategy ({@link #handleFailure}).</li>
 *   <li>Suspended (a restart): ordinary messages wait while the children stop and the backoff
 *       runs; a RESTART signal then makes the fresh instance.</li>
 *   <li>Stopping ({@link #beginStop}): ordinary messages wait (and go to dead letters at the
 *       end); the children are told to stop; when the last one has terminated, or at once
 *       without children, {@link #finishStop} runs {@code onStop} once and
 *       {@link #terminate}s: stashed messages to dead letters, pending asks failed, watchers and
 *       the parent told. The mailbox then closes and drains itself.</li>
 * </ol>
 * Whatever ends the actor (a stop, a failure, an exception escaping the library's own code, an
 * activation its dispatcher refused), it ends through {@link #terminate}, once.
 *
 * <h2>Who writes what</h2>
 * The actor-side fields ({@code actor}, {@code children}, {@code stopping}, {@code suspended},
 * the stash, {@code watching} (keyed by the watched cell, or by the {@link WatchableRef} of a
 * watched remote actor), {@code pendingAsks}, the restart counters) are touched only by the
 * thread holding the mailbox token (see {@link Mailbox}), so they need no synchronization.
 * {@code terminated}, {@code watchers} and {@code timers} are read by other threads: volatile or
 * concurrent.
 */
final class ActorCell<M> implements ActorRef<M>, ActorContext<M>, MailboxConsumer<M> {
    private static final Logger LOG = LoggerFactory.getLogger(ActorCell.class);

    private final ActorSystem system;
    private final ActorCell<?> parent;
    private final String name;
    /**
     * This incarnation's number, random and never 0: a remote ref names an actor by path and
     * uid, so a message for an actor that stopped never reaches a new one at the same path.
     */
    final int uid;
    private final ActorFactory<M> factory;
    private final ActorOptions options;
    private final Mailbox<M> mailbox;

    /** Asks this actor has handled and left unanswered; first use. Token holder only. */
    private PendingAsks pendingAsks;
    /** Actors watching this one (their notifications); allocated on first use. */
    private volatile Set<Runnable> watchers;
    /** Timers to self, cancelled at stop and at restart; allocated on first use. */
    private volatile Set<JoinHandle<?>> timers;
    private volatile boolean terminated;

    // Actor-side state: only the mailbox token holder touches these.
    private Actor<M> actor;
    private Map<String, ActorCell<?>> children;
    private boolean started;
    private boolean stopping;
    /** Waiting to be restarted (children stopping, or backoff): ordinary messages wait. */
    private boolean suspended;
    private Throwable restartCause;
    /** Actors this one watches, with the notification registered on each; first use. */
    private Map<Object, Runnable> watching;
    /** Messages set aside by {@link #stash}; first use. */
    private ArrayDeque<M> stash;
    private int restartsInWindow;
    private long windowStartNanos;
    /** The Restart case that applies to the restart under way (null when none is). */
    private SupervisorStrategy.Restart restarting;
    /** Keyed timers by key ({@link #startSingleTimer}); first use. */
    private Map<Object, KeyedTimer> keyedTimers;
    /** Generation of the newest keyed timer: a fired timer is delivered only if still current. */
    private long timerGenerations;
    /** The receive timeout, or null; with the time of the last message that restarts its wait. */
    private ReceiveTimeout receiveTimeout;
    /** The timeouts of this actor's own {@code ctx.ask}s; first use. Kept across restarts. */
    private AskDeadlines askDeadlines;

    /**
     * A cell whose mailbox token is held by the spawning thread until {@link #start}: messages
     * sent meanwhile (by a factory that handed its {@code self()} out) wait in the queue.
     * {@link #createFirstInstance} must be called next, on the spawning thread.
     */
    ActorCell(ActorSystem system, ActorCell<?> parent, String name, ActorFactory<M> factory,
              ActorOptions options, int defaultThroughput) {
        this.system = system;
        this.parent = parent;
        this.name = name;
        int u;
        do {
            u = ThreadLocalRandom.current().nextInt();
        } while (u == 0);
        this.uid = u;
        this.factory = factory;
        this.options = options;
        MessageQueue<M> queue = options.mailboxCapacity() == 0
                ? new ManyToOneMessageQueue<>()
                : new BoundedMessageQueue<>(options.mailboxCapacity(), options.overflowPolicy());
        this.mailbox = new Mailbox<>(this, queue,
                options.throughput() > 0 ? options.throughput() : defaultThroughput,
                options.blocking() ? system.blockingActivations() : system.coreActivations());
        mailbox.reserve();
    }

    /**
     * Makes the first instance on the spawning thread (so that a failing factory fails the
     * spawn call) and reads {@link Blocking} from its class, once. If the factory fails, the
     * cell is discarded (anything sent to it meanwhile goes to dead letters) and the exception
     * is rethrown.
     */
    void createFirstInstance() {
        try {
            actor = Objects.requireNonNull(factory.create(this), "actor factory returned null");
        } catch (RuntimeException | Error e) {
            terminated = true;
            mailbox.discardReserved();
            throw e;
        }
        if (!options.blocking() && actor.getClass().isAnnotationPresent(Blocking.class)) {
            mailbox.moveReserved(system.blockingActivations());
        }
    }

    /**
     * Made but never to start (its name was taken): discarded before anyone could see it,
     * except through a factory that handed its {@code self()} out; what was sent goes to dead
     * letters. Not counted as a live actor.
     */
    void discard() {
        terminated = true;
        system.actorTerminated();
        mailbox.discardReserved();
    }

    /** Hands the held token to the dispatcher: the first activation runs onStart. */
    void start() {
        mailbox.startReserved();
    }

    boolean runsOnBlockingDispatcher() {
        return mailbox.runsOn(system.blockingActivations());
    }

    // ---------------------------------------------------------------- ActorRef

    /**
     * Tell: the mailbox's offer, with the rare outcomes handled out of line (the path of every
     * message is a deep chain of calls the JIT should inline). Any thread; never blocks.
     */
    @Override
    public void tell(M message) {
        Mailbox.Offer result = mailbox.offer(Objects.requireNonNull(message, "message"));
        if (result != Mailbox.Offer.DELIVERED) {
            notDelivered(message, result, true);
        }
    }

    @Override
    public boolean tryTell(M message) {
        Mailbox.Offer result = mailbox.offer(Objects.requireNonNull(message, "message"));
        if (result == Mailbox.Offer.DELIVERED) {
            return true;
        }
        notDelivered(message, result, false);
        return false; // FAIL and full: the caller keeps the message
    }

    /**
     * A message the mailbox did not take: to dead letters when the actor has stopped or the full
     * mailbox drops; {@code tell} to a full FAIL mailbox throws.
     */
    private void notDelivered(M message, Mailbox.Offer result, boolean throwIfFull) {
        if (result == Mailbox.Offer.CLOSED) {
            deadLetter(message, "recipient stopped");
        } else if (options.overflowPolicy() == OverflowPolicy.DROP) {
            deadLetter(message, "mailbox full (capacity " + options.mailboxCapacity() + ")");
        } else if (throwIfFull) {
            throw new MailboxFullException("mailbox of " + path() + " is full (capacity "
                    + options.mailboxCapacity() + "); message " + message.getClass().getName()
                    + " not delivered");
        }
    }

    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        return sendAsk(newAsk(request, timeout), request, timeout, null);
    }

    /**
     * An ask from the actor {@code asker} ({@code ctx.ask}; its token holder): the outcome goes
     * to the asker's mailbox through {@code mapper} without a callback, and the asker keeps the
     * timeout in {@code deadlines} rather than the shared timer.
     */
    <R> void askFrom(ActorCell<?> asker, AskDeadlines deadlines, Function<ActorRef<R>, ? extends M> request,
                     Duration timeout, BiFunction<? super R, ? super Throwable, ?> mapper) {
        AskReplyRef<R> ask = newAsk(request, timeout);
        ask.pipeTo(asker, mapper);
        sendAsk(ask, request, timeout, deadlines);
    }

    private <R> AskReplyRef<R> newAsk(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + timeout);
        }
        return new AskReplyRef<>(this, system.timer(), timeout,
                runsOnBlockingDispatcher() ? null : system.currentThreadDispatcher());
    }

    /**
     * Builds the request, arms the timeout (on the asking actor's {@code deadlines} when given,
     * else on the asking thread's {@link ThreadAskDeadlines}; on the shared timer if that one
     * has no lane left for it), and sends the request with the ask (see
     * {@link PendingAsks}): a target that has stopped, or stops before handling it, fails it.
     */
    @SuppressWarnings("unchecked")
    private <R> JoinHandle<R> sendAsk(AskReplyRef<R> ask, Function<ActorRef<R>, ? extends M> request,
                                      Duration timeout, AskDeadlines deadlines) {
        PromiseHandle<R> promise = ask;
        M message = request.apply(ask);
        Objects.requireNonNull(message, "the ask's request function returned null");
        ask.message = message;
        boolean kept;
        try {
            kept = deadlines != null ? deadlines.add(ask, timeout)
                    : system.threadAskDeadlines().add(ask, timeout);
        } catch (RejectedExecutionException shutDown) {
            ask.abandon(shutDown); // the timer is shut: fail the ask as the timer would have
            return promise;
        }
        if (!kept) {
            try {
                ask.armed(system.timer().schedule(timeout, ask));
            } catch (RejectedExecutionException shutDown) {
                return promise; // the timer is shut: it abandoned the ask, which failed the promise
            }
        }
        // The append publishes message and timer to whoever completes the ask on the target's side.
        Mailbox.Offer result = mailbox.offer((M) new InternalMessage.Asked(ask));
        if (result != Mailbox.Offer.DELIVERED) {
            notDelivered(message, result, false);
        }
        if (result == Mailbox.Offer.CLOSED) {
            failTerminated(ask);
        } else if (result == Mailbox.Offer.FULL) {
            // Full, under either policy (DROP has also sent it to dead letters): fail now
            // rather than wait out the timeout.
            promise.fail(new MailboxFullException("the " + ask.describe() + " failed: mailbox of "
                    + path() + " is full (capacity " + options.mailboxCapacity() + ")"));
        }
        return promise;
    }

    @Override
    public String path() {
        return parent == null ? "/user/" + name : parent.path() + "/" + name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mailboxDepth() {
        return mailbox.depth();
    }

    @Override
    public String toString() {
        return "ActorRef[" + path() + "]";
    }

    // ---------------------------------------------------------------- ActorContext

    @Override
    public ActorRef<M> self() {
        return this;
    }

    @Override
    public ActorSystem system() {
        return system;
    }

    @Override
    public <C> ActorRef<C> spawn(String childName, Supplier<? extends Actor<C>> childFactory) {
        return spawn(childName, childFactory, ActorOptions.defaults());
    }

    @Override
    public <C> ActorRef<C> spawn(String childName, Supplier<? extends Actor<C>> childFactory, ActorOptions childOptions) {
        return spawn(childName, ActorSystem.fromSupplier(childFactory), childOptions);
    }

    @Override
    public <C> ActorRef<C> spawn(String childName, ActorFactory<C> childFactory) {
        return spawn(childName, childFactory, ActorOptions.defaults());
    }

    @Override
    public <C> ActorRef<C> spawn(String childName, ActorFactory<C> childFactory, ActorOptions childOptions) {
        ActorSystem.validateName(childName);
        Objects.requireNonNull(childFactory, "factory");
        Objects.requireNonNull(childOptions, "options");
        if (children == null) {
            children = new HashMap<>();
        }
        if (children.containsKey(childName)) {
            throw new IllegalArgumentException("an actor named '" + childName + "' already exists at "
                    + path() + "/" + childName);
        }
        ActorCell<C> child = system.newCell(this, childName, childFactory, childOptions);
        children.put(childName, child);
        child.start();
        return child;
    }

    @Override
    public void stop(ActorRef<?> child) {
        ActorCell<?> c = cellOf(child);
        if (c == null || c.parent != this) {
            throw new IllegalArgumentException(child + " is not a child of " + path());
        }
        c.stopAsync();
    }

    @Override
    public void stopSelf() {
        stopAsync();
    }

    @Override
    public void stash(M message) {
        Objects.requireNonNull(message, "message");
        if (stash == null) {
            stash = new ArrayDeque<>();
        }
        stash.addLast(message);
    }

    @Override
    public void unstashAll() {
        ArrayDeque<M> s = stash;
        if (s != null && !s.isEmpty()) {
            stash = null;
            mailbox.prepend(s);
        }
    }

    @Override
    public void watch(ActorRef<?> target) {
        watchWith0(target, null);
    }

    @Override
    public void watchWith(ActorRef<?> target, M message) {
        watchWith0(target, Objects.requireNonNull(message, "message"));
    }

    /**
     * The cell behind a ref: the ref itself, or the actor behind a router (a router stops, and
     * is watched, as its router actor).
     */
    static ActorCell<?> cellOf(ActorRef<?> ref) {
        ActorRef<?> r = ref instanceof Router<?> router ? router.routerActor() : ref;
        return r instanceof ActorCell<?> cell ? cell : null;
    }

    private void watchWith0(ActorRef<?> target, M message) {
        ActorCell<?> t = cellOf(target);
        WatchableRef<?> remote = null;
        if (t == null || t.system != system) {
            if (!(target instanceof WatchableRef<?> w)) {
                throw new IllegalArgumentException(target + " is not an actor of this system");
            }
            remote = w;
        }
        Object key = remote != null ? remote : t;
        if (watching == null) {
            watching = new HashMap<>();
        }
        if (watching.containsKey(key)) {
            return;
        }
        Runnable notify = () -> notifyTerminated(new SystemMessage.Terminated(key, target, message));
        watching.put(key, notify);
        if (remote != null) {
            remote.addWatcher(notify);
        } else {
            t.addWatcher(notify);
        }
    }

    @Override
    public void unwatch(ActorRef<?> target) {
        if (watching == null) {
            return;
        }
        ActorCell<?> t = cellOf(target);
        if (t != null && t.system == system) {
            Runnable notify = watching.remove(t);
            if (notify != null) {
                t.removeWatcher(notify);
            }
        } else if (target instanceof WatchableRef<?> w) {
            Runnable notify = watching.remove(w);
            if (notify != null) {
                w.removeWatcher(notify);
            }
        }
    }

    @Override
    public Cancellable scheduleOnce(Duration delay, M message) {
        Objects.requireNonNull(message, "message");
        return addTimer(system.schedule(delay, () -> tellFromTimer(message)));
    }

    @Override
    public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, M message) {
        Objects.requireNonNull(message, "message");
        return addTimer(system.scheduleAtFixedRate(initialDelay, period, () -> tellFromTimer(message)));
    }

    /**
     * A timer to self is a task of the core dispatcher that tells the message (the runtime's one
     * fixed-rate logic, {@code scheduleAtFixedRate}, for periodic ones); kept until it completes,
     * so that a stop or a restart can cancel it.
     */
    private Cancellable addTimer(JoinHandle<Void> handle) {
        Set<JoinHandle<?>> set = timers;
        if (set == null) {
            set = ConcurrentHashMap.newKeySet();
            timers = set;
        }
        set.add(handle);
        Set<JoinHandle<?>> registered = set;
        handle.whenComplete((v, e) -> registered.remove(handle));
        if (terminated) {
            handle.abort(); // stopped meanwhile (a timer set from outside the actor's thread)
        }
        return handle::abort;
    }

    private void tellFromTimer(M message) {
        try {
            tell(message);
        } catch (MailboxFullException full) {
            deadLetter(message, "timer message: " + full.getMessage());
        }
    }

    /** Cancels every timer to self, keyed or not, and the receive timeout. Token holder. */
    private void cancelTimers() {
        keyedTimers = null;
        receiveTimeout = null;
        Set<JoinHandle<?>> ts = timers;
        if (ts != null) {
            for (JoinHandle<?> t : List.copyOf(ts)) {
                t.abort();
            }
        }
    }

    // ---------------------------------------------------------------- keyed timers

    /**
     * A keyed timer: its generation (a fired timer whose generation is no longer the one under
     * its key was cancelled or replaced, and is dropped on arrival), its handle, and whether it
     * repeats. Token holder only, like the map that holds it.
     */
    private record KeyedTimer(long generation, JoinHandle<Void> handle, boolean periodic) {
    }

    @Override
    public void startSingleTimer(Object key, M message, Duration delay) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("timer delay must not be negative, got " + delay);
        }
        startKeyedTimer(key, message, delay, null);
    }

    @Override
    public void startTimerAtFixedRate(Object key, M message, Duration initialDelay, Duration interval) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("timer initialDelay must not be negative, got " + initialDelay);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("timer interval must be positive, got " + interval);
        }
        startKeyedTimer(key, message, initialDelay, interval);
    }

    private void startKeyedTimer(Object key, Object message, Duration delay, Duration interval) {
        cancelTimer(key);
        long generation = ++timerGenerations;
        @SuppressWarnings("unchecked")
        M fired = (M) new InternalMessage.TimerFired(key, generation, message);
        JoinHandle<Void> handle = interval == null
                ? system.schedule(delay, () -> tellFromTimer(fired))
                : system.scheduleAtFixedRate(delay, interval, () -> tellFromTimer(fired));
        addTimer(handle);
        if (keyedTimers == null) {
            keyedTimers = new HashMap<>();
        }
        keyedTimers.put(key, new KeyedTimer(generation, handle, interval != null));
    }

    @Override
    public void cancelTimer(Object key) {
        Objects.requireNonNull(key, "key");
        KeyedTimer t = keyedTimers == null ? null : keyedTimers.remove(key);
        if (t != null) {
            t.handle().abort();
        }
    }

    @Override
    public boolean isTimerActive(Object key) {
        return keyedTimers != null && keyedTimers.containsKey(Objects.requireNonNull(key, "key"));
    }

    /**
     * A keyed timer's message arrived: the message it carries if the timer is still the current
     * one under its key (a single timer is then done), else null (cancelled or replaced).
     */
    private Object timerMessage(InternalMessage.TimerFired fired) {
        KeyedTimer current = keyedTimers == null ? null : keyedTimers.get(fired.key);
        if (current == null || current.generation() != fired.generation) {
            LOG.debug("actor {}: dropped {} (cancelled or replaced)", path(), fired);
            return null;
        }
        if (!current.periodic()) {
            keyedTimers.remove(fired.key);
        }
        return fired.message;
    }

    // ---------------------------------------------------------------- receive timeout

    /** The receive timeout's key: private, so no user key can equal it. */
    private static final Object RECEIVE_TIMEOUT_KEY = new Object() {
        @Override
        public String toString() {
            return "receive-timeout";
        }
    };

    /** A receive timeout: its length, its message, and the last activity that restarts it. */
    private static final class ReceiveTimeout {
        final long timeoutNanos;
        final Object message;
        long lastActivityNanos;

        ReceiveTimeout(long timeoutNanos, Object message, long now) {
            this.timeoutNanos = timeoutNanos;
            this.message = message;
            this.lastActivityNanos = now;
        }
    }

    @Override
    public void setReceiveTimeout(Duration timeout, M message) {
        Objects.requireNonNull(message, "message");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("receive timeout must be positive, got " + timeout);
        }
        receiveTimeout = new ReceiveTimeout(timeout.toNanos(), message, system.nanoTime());
        startKeyedTimer(RECEIVE_TIMEOUT_KEY, RECEIVE_TIMEOUT_KEY, timeout, null);
    }

    @Override
    public void cancelReceiveTimeout() {
        receiveTimeout = null;
        cancelTimer(RECEIVE_TIMEOUT_KEY);
    }

    /**
     * The receive timeout's timer fired: the timeout message if nothing arrived for the whole
     * timeout (and the wait starts again), else null and the timer re-armed for what is left.
     * Re-arming at the deadline instead of at every message keeps a timer out of the message path.
     */
    private Object receiveTimeoutFired() {
        ReceiveTimeout rt = receiveTimeout;
        if (rt == null) {
            return null;
        }
        long idle = system.nanoTime() - rt.lastActivityNanos;
        if (idle >= rt.timeoutNanos) {
            rt.lastActivityNanos += idle; // the timeout message does not count as activity
            startKeyedTimer(RECEIVE_TIMEOUT_KEY, RECEIVE_TIMEOUT_KEY, Duration.ofNanos(rt.timeoutNanos), null);
            return rt.message;
        }
        startKeyedTimer(RECEIVE_TIMEOUT_KEY, RECEIVE_TIMEOUT_KEY, Duration.ofNanos(rt.timeoutNanos - idle), null);
        return null;
    }

    // ---------------------------------------------------------------- asynchronous results

    @Override
    public <T> void pipeToSelf(JoinHandle<T> handle, BiFunction<? super T, ? super Throwable, ? extends M> mapper) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(mapper, "mapper");
        handle.whenComplete((value, failure) -> deliverPiped(InternalMessage.Piped.ofHandle(value, failure, mapper)));
    }

    @Override
    public <T> void pipeToSelf(CompletionStage<T> stage, BiFunction<? super T, ? super Throwable, ? extends M> mapper) {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(mapper, "mapper");
        stage.whenComplete((value, failure) -> deliverPiped(InternalMessage.Piped.ofStage(value, failure, mapper)));
    }

    @Override
    public <Q, R> void ask(ActorRef<Q> target, Function<ActorRef<R>, ? extends Q> request, Duration timeout,
                           BiFunction<? super R, ? super Throwable, ? extends M> mapper) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(mapper, "mapper");
        if (target instanceof ActorCell<Q> local && !terminated) {
            // A local actor: the reply comes straight back as a Piped message, and this actor
            // keeps the timeout (see AskDeadlines).
            AskDeadlines deadlines = askDeadlines;
            if (deadlines == null) {
                deadlines = askDeadlines = new AskDeadlines(this, system.timer());
            }
            local.askFrom(this, deadlines, request, timeout, mapper);
        } else {
            pipeToSelf(target.ask(request, timeout), mapper);
        }
    }

    /** The asks' timer entry fired (timer thread): the actor expires its asks on its thread. */
    void askTimeoutsDue() {
        mailbox.offerSystem(SystemMessage.ASK_TIMEOUTS_DUE);
    }

    /** An ask this actor sent with {@code ctx.ask} completed (any thread): its outcome. */
    @SuppressWarnings("unchecked")
    void deliverPipedOutcome(InternalMessage.Piped<?, ?> piped) {
        deliverPiped((InternalMessage.Piped<?, M>) piped);
    }

    @Override
    public <Q, R> void askWithStatus(ActorRef<Q> target, Function<ActorRef<StatusReply<R>>, ? extends Q> request,
                                     Duration timeout, BiFunction<? super R, ? super Throwable, ? extends M> mapper) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(mapper, "mapper");
        pipeToSelf(target.askWithStatus(request, timeout), mapper);
    }

    /**
     * Puts a piped outcome on the ordinary lane, from whichever thread completed the handle; a
     * stopped actor's, or a full bounded mailbox's, goes to dead letters.
     */
    @SuppressWarnings("unchecked")
    private void deliverPiped(InternalMessage.Piped<?, M> piped) {
        Mailbox.Offer result = mailbox.offer((M) piped);
        if (result == Mailbox.Offer.CLOSED) {
            deadLetter(piped, "recipient stopped");
        } else if (result == Mailbox.Offer.FULL) {
            deadLetter(piped, "mailbox full (capacity " + options.mailboxCapacity() + ")");
        }
    }

    // ---------------------------------------------------------------- death watch, stop

    void addWatcher(Runnable notify) {
        Set<Runnable> set = watchers;
        if (set == null) {
            synchronized (this) {
                set = watchers;
                if (set == null) {
                    set = ConcurrentHashMap.newKeySet();
                    watchers = set;
                }
            }
        }
        set.add(notify);
        if (terminated && set.remove(notify)) {
            notify.run(); // stopped already (or meanwhile): notify now, once
        }
    }

    void removeWatcher(Runnable notify) {
        Set<Runnable> set = watchers;
        if (set != null) {
            set.remove(notify);
        }
    }

    /** Stops this actor from any thread (the system, its parent, itself). */
    void stopAsync() {
        mailbox.offerSystem(SystemMessage.STOP);
    }

    // ---------------------------------------------------------------- MailboxConsumer

    @Override
    public void startIfNew() {
        if (started) {
            return;
        }
        started = true;
        try {
            actor.onStart(this);
        } catch (Throwable t) {
            handleFailure(t, null);
        }
    }

    @Override
    public void invoke(M message) {
        if (message instanceof InternalMessage internal) {
            invokeInternal(internal);
            return;
        }
        receive(message, true);
    }

    /** Hands a message to the actor; {@code active}: it restarts the receive timeout's wait. */
    private void receive(M message, boolean active) {
        ReceiveTimeout rt = receiveTimeout;
        if (active && rt != null) {
            rt.lastActivityNanos = system.nanoTime();
        }
        try {
            actor.receive(this, message);
        } catch (Throwable t) {
            handleFailure(t, message);
        }
    }

    /**
     * An ask's request: received like any message; if that throws, the ask fails with the
     * actor's exception, and if it returns with the ask unanswered, the actor keeps the ask to
     * fail it should it stop first.
     */
    @SuppressWarnings("unchecked")
    private void receiveAsk(AskReplyRef<?> ask) {
        M message = (M) ask.message;
        ReceiveTimeout rt = receiveTimeout;
        if (rt != null) {
            rt.lastActivityNanos = system.nanoTime();
        }
        try {
            actor.receive(this, message);
        } catch (Throwable t) {
            try {
                handleFailure(t, message);
            } finally {
                ask.fail(t);
            }
            return;
        }
        if (!ask.isFinished()) {
            keepPending(ask);
        }
    }

    /** A piped outcome or a keyed timer: unwrapped here, on the actor's thread. */
    @SuppressWarnings("unchecked")
    private void invokeInternal(InternalMessage internal) {
        M message;
        switch (internal) {
            case InternalMessage.Asked asked -> {
                receiveAsk(asked.ask);
                return;
            }
            case InternalMessage.Piped<?, ?> piped -> {
                try {
                    message = Objects.requireNonNull((M) piped.map(), "the pipeToSelf mapper returned null");
                } catch (Throwable t) {
                    handleFailure(t, piped);
                    return;
                }
            }
            case InternalMessage.WatchedTerminated w -> {
                deliverTerminated(w.notice);
                return;
            }
            case InternalMessage.TimerFired fired -> {
                Object m = timerMessage(fired);
                if (m != null && fired.key == RECEIVE_TIMEOUT_KEY) {
                    m = receiveTimeoutFired();
                }
                if (m == null) {
                    return; // cancelled or replaced, or a receive timeout that was reset
                }
                message = (M) m;
            }
        }
        receive(message, !(internal instanceof InternalMessage.TimerFired f && f.key == RECEIVE_TIMEOUT_KEY));
    }

    @Override
    public void invokeSystem(SystemMessage signal) {
        switch (signal) {
            case SystemMessage.Stop s -> beginStop();
            case SystemMessage.ChildTerminated ct -> childTerminated(ct.child());
            case SystemMessage.ChildFailed cf -> handleFailure(cf.cause(), null);
            case SystemMessage.Restart r -> restartNow();
            case SystemMessage.Terminated t -> deliverTerminated(t);
            case SystemMessage.ChildRestarted r -> childRestarted(r);
            case SystemMessage.AskTimeoutsDue d -> {
                if (askDeadlines != null && !terminated) {
                    askDeadlines.expire();
                }
            }
        }
    }

    @Override
    public boolean acceptsMessages() {
        return !stopping && !suspended;
    }

    @Override
    public boolean isTerminated() {
        return terminated;
    }

    @Override
    public void beforeIdle() {
        PendingAsks asks = pendingAsks;
        if (asks != null) {
            asks.sweepIfDue(); // an actor that leaves many asks unanswered must drop completed ones
        }
        AskDeadlines deadlines = askDeadlines;
        if (deadlines != null) {
            try {
                deadlines.stamp(); // the batch's ctx.asks get their deadlines from one clock read
            } catch (RejectedExecutionException timerShutDown) {
                // The runtime is going away: stopping this actor fails its waiting asks.
            }
        }
    }

    @Override
    public void activationEscaped(Throwable escaped) {
        try {
            LOG.error("actor {}: {} escaped the runtime's own code during an activation; stopping the actor",
                    path(), ThrowableDescription.of(escaped), ThrowableDescription.loggable(escaped));
            if (!terminated) {
                beginStop(true);
            }
        } catch (Throwable again) {
            terminateQuietly(again);
        }
    }

    @Override
    public void activationRefused(Throwable cause) {
        try {
            LOG.error("actor {}: its dispatcher refused to run it ({}); stopping the actor",
                    path(), ThrowableDescription.of(cause), ThrowableDescription.loggable(cause));
            beginStop(true);
        } catch (Throwable again) {
            terminateQuietly(again);
        }
    }

    @Override
    public void abandonedAtShutdown(Throwable reason) {
        system.actorAbandoned();
        terminateQuietly(reason);
    }

    /**
     * A message this actor will not handle. An ask's request the stopped actor's mailbox drains
     * (any thread: a sender that raced the close may drain) is published unwrapped, and its ask
     * fails at once.
     */
    @Override
    public void deadLetter(Object message, String reason) {
        if (message instanceof InternalMessage.Asked asked) {
            system.deadLetters().publish(asked.ask.message, path(), reason);
            failTerminated(asked.ask);
            return;
        }
        system.deadLetters().publish(message, path(), reason);
    }

    private void childTerminated(ActorCell<?> child) {
        if (children != null) {
            children.remove(child.name);
        }
        if (children == null || children.isEmpty()) {
            if (stopping) {
                finishStop();
            } else if (suspended && restartCause != null) {
                restartAfterBackoff();
            }
        }
    }

    /**
     * A watched actor has stopped; called once, on whichever thread saw it stop (or, for a remote
     * actor, the remote thread). The notice goes on this actor's ordinary lane, behind what is
     * already there: every message the watched actor sent here was offered before it stopped,
     * and its stop happens-before this call (the watcher set is read after the stop is
     * published), so those messages are received first, as in Erlang and Pekko. A full bounded
     * mailbox must not lose the notice, so it then goes on the system lane instead (ahead of
     * what fills the mailbox); a closed one means this actor stopped and needs no notice.
     */
    @SuppressWarnings("unchecked")
    private void notifyTerminated(SystemMessage.Terminated t) {
        if (mailbox.offer((M) new InternalMessage.WatchedTerminated(t)) == Mailbox.Offer.FULL) {
            mailbox.offerSystem(t);
        }
    }

    @SuppressWarnings("unchecked")
    private void deliverTerminated(SystemMessage.Terminated t) {
        if (watching == null || watching.remove(t.actor()) == null || stopping) {
            return; // unwatched meanwhile, or this actor is stopping itself
        }
        if (t.message() != null) {
            invoke((M) t.message());
            return;
        }
        try {
            actor.onTerminated(this, t.watchedAs()); // the ref the watcher gave (a router, say)
        } catch (Throwable e) {
            handleFailure(e, null);
        }
    }

    // ---------------------------------------------------------------- supervision

    /** Applies this actor's supervision strategy to a failure. Token holder only. */
    private void handleFailure(Throwable cause, Object message) {
        if (stopping) {
            return;
        }
        if (message != null) {
            LOG.error("actor {} failed processing {}", path(), message.getClass().getName(),
                    ThrowableDescription.loggable(cause));
            deadLetter(message, "the actor failed processing it: " + ThrowableDescription.of(cause));
            failAskOf(message, cause);
        } else {
            LOG.error("actor {} failed", path(), ThrowableDescription.loggable(cause));
        }
        switch (options.supervision().decide(cause)) {
            case SupervisorStrategy.ByException b -> throw new AssertionError("decide() resolves cases");
            case SupervisorStrategy.Resume r -> { }
            case SupervisorStrategy.Stop st -> beginStop();
            case SupervisorStrategy.Escalate e -> {
                beginStop();
                if (parent != null) {
                    parent.mailbox.offerSystem(new SystemMessage.ChildFailed(this, cause));
                } else {
                    LOG.error("actor {} escalated its failure to the root, which stops it", path());
                }
            }
            case SupervisorStrategy.Restart r -> beginRestart(r, cause);
        }
    }

    private void beginRestart(SupervisorStrategy.Restart r, Throwable cause) {
        long now = system.nanoTime();
        if (restartsInWindow == 0 || now - windowStartNanos > r.window().toNanos()) {
            windowStartNanos = now;
            restartsInWindow = 0;
        }
        if (restartsInWindow >= r.maxRestarts()) {
            LOG.error("actor {} failed {} times within {}; stopping it instead of restarting",
                    path(), restartsInWindow + 1, r.window());
            beginStop();
            return;
        }
        restartsInWindow++;
        suspended = true;
        restartCause = cause;
        restarting = r;
        cancelTimers(); // the failed instance's timers must not fire into the fresh one
        if (children == null || children.isEmpty()) {
            restartAfterBackoff();
        } else {
            for (ActorCell<?> c : children.values()) {
                c.stopAsync(); // the fresh instance starts without the old one's children
            }
        }
    }

    private void restartAfterBackoff() {
        SupervisorStrategy.Restart r = restarting;
        long backoff = r.minBackoff().toNanos() << Math.min(20, restartsInWindow - 1);
        backoff = Math.max(0, Math.min(backoff, r.maxBackoff().toNanos()));
        if (backoff == 0) {
            restartNow();
            return;
        }
        try {
            system.timer().schedule(Duration.ofNanos(backoff), new Task() {
                @Override
                public void run() {
                    mailbox.offerSystem(SystemMessage.RESTART);
                }

                @Override
                public void abandon(Throwable reason) {
                    // Shutting down: the system's stop reaches this actor anyway.
                }
            });
        } catch (RejectedExecutionException timerShutDown) {
            // The runtime is shutting down: no restart; stop instead of waiting for one.
            beginStop();
        }
    }

    private void restartNow() {
        if (!suspended || stopping || terminated) {
            return;
        }
        Throwable cause = restartCause;
        restartCause = null;
        restarting = null;
        try {
            actor = Objects.requireNonNull(factory.create(this), "actor factory returned null");
            suspended = false;
            actor.onRestart(this, cause);
        } catch (Throwable t) {
            suspended = false;
            handleFailure(t, null);
            return;
        }
        if (parent != null) {
            parent.mailbox.offerSystem(new SystemMessage.ChildRestarted(this, cause));
        }
    }

    private void childRestarted(SystemMessage.ChildRestarted r) {
        if (stopping || children == null || children.get(r.child().name) != r.child()) {
            return; // this actor is stopping, or the child has stopped since
        }
        try {
            actor.onChildRestarted(this, r.child(), r.cause());
        } catch (Throwable t) {
            handleFailure(t, null);
        }
    }

    // ---------------------------------------------------------------- stopping

    private void beginStop() {
        beginStop(false);
    }

    /**
     * Stops the children, then this actor ({@link #finishStop} once the last child has
     * terminated). {@code again}: tell every child again even if already stopping (after a
     * fault, a stop that was under way may not have reached them all). Token holder only.
     */
    private void beginStop(boolean again) {
        if (stopping && !again) {
            return;
        }
        stopping = true;
        if (children == null || children.isEmpty()) {
            finishStop();
            return;
        }
        for (ActorCell<?> c : children.values()) {
            c.stopAsync();
        }
    }

    private void finishStop() {
        if (terminated) {
            return;
        }
        if (started && actor != null) {
            try {
                actor.onStop(this);
            } catch (Throwable t) {
                LOG.error("actor {} failed in onStop", path(), ThrowableDescription.loggable(t));
            }
        }
        terminate();
    }

    /**
     * The end of the actor, whatever ended it; token holder, once (a second call does nothing).
     * Everything that must not wait for anything else: stashed messages to dead letters,
     * pending asks failed, timers cancelled, watchers and the parent told. The mailbox closes
     * and drains itself when the activation sees {@link #isTerminated()}.
     */
    private void terminate() {
        if (terminated) {
            return;
        }
        terminated = true; // keepPending fails, instead of keeping, an ask handled from now on
        try {
            // Closed and drained before anyone is told (a failed ask, a watcher, the parent):
            // whoever learns of the stop and then sends finds the mailbox closed (a dead letter,
            // tryTell false), and every message it had queued is already a dead letter.
            mailbox.closeAndDrainQueued();
            ArrayDeque<M> s = stash;
            stash = null;
            if (s != null) {
                for (M m : s) {
                    deadLetter(m, "recipient stopped (stashed)");
                }
            }
            PendingAsks asks = pendingAsks;
            if (asks != null) {
                asks.close(this::failTerminated);
            }
            cancelTimers();
            if (askDeadlines != null) {
                askDeadlines.terminated(); // this actor's own asks go back to the shared timer
            }
            Set<Runnable> ws = watchers;
            if (ws != null) {
                for (Runnable notify : ws) {
                    if (ws.remove(notify)) {
                        notify.run();
                    }
                }
            }
            if (watching != null) {
                for (Map.Entry<Object, Runnable> e : watching.entrySet()) {
                    if (e.getKey() instanceof ActorCell<?> cell) {
                        cell.removeWatcher(e.getValue());
                    } else {
                        ((WatchableRef<?>) e.getKey()).removeWatcher(e.getValue());
                    }
                }
                watching = null;
            }
        } finally {
            system.actorTerminated();
            if (parent != null) {
                parent.mailbox.offerSystem(new SystemMessage.ChildTerminated(this));
            } else {
                system.topLevelTerminated(this);
            }
        }
    }

    /** {@link #terminate} that cannot throw: the last resort of a fault path. */
    private void terminateQuietly(Throwable why) {
        try {
            terminate();
        } catch (Throwable t) {
            t.addSuppressed(why);
            LOG.error("actor {}: failed to terminate cleanly", path(), ThrowableDescription.loggable(t));
        }
    }

    // ---------------------------------------------------------------- pending asks

    /**
     * Keeps an ask this actor handled without answering, so that its stop fails the ask at once
     * (see {@link PendingAsks}). Token holder; an actor already terminated (it stopped while
     * handling the ask) fails it now.
     */
    private void keepPending(AskReplyRef<?> ask) {
        PendingAsks asks = pendingAsks;
        if (asks == null) {
            if (terminated) {
                failTerminated(ask);
                return;
            }
            asks = pendingAsks = new PendingAsks();
        }
        if (!asks.add(ask)) {
            failTerminated(ask);
        }
    }

    /** This actor's own asks whose timeout it keeps, completed or not (tests; token holder). */
    int askDeadlineCount() {
        return askDeadlines == null ? 0 : askDeadlines.size();
    }

    /** Kept asks, completed or not, until the next sweep (tests; token holder). */
    int pendingAskCount() {
        PendingAsks asks = pendingAsks;
        return asks == null ? 0 : asks.size();
    }

    private void failTerminated(AskReplyRef<?> pending) {
        String why = system.isShutdown() ? " was stopped by the actor system's shutdown before replying to the "
                : " stopped before replying to the ";
        pending.fail(new ActorTerminatedException(path() + why + pending.describe()));
    }

    /** The actor threw while handling {@code message}: an ask that sent it fails with the cause. */
    private void failAskOf(Object message, Throwable cause) {
        PendingAsks asks = pendingAsks;
        if (asks != null) {
            asks.forEach(p -> {
                if (p.message == message) {
                    p.fail(cause);
                }
            });
        }
    }
}
