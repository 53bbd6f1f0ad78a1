package dev.kabuki.actors;

import dev.kabuki.mailbox.BoundedMessageQueue;
import dev.kabuki.mailbox.MailboxStatus;
import dev.kabuki.mailbox.ManyToOneMessageQueue;
import dev.kabuki.mailbox.MessageQueue;
import dev.kabuki.mailbox.OverflowPolicy;
import dev.kabuki.mailbox.SystemMessageQueue;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.Task;
import dev.kabuki.scheduler.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One actor: its mailbox, its state and the task that runs it. The cell is at once the actor's
 * {@link ActorRef}, its {@link ActorContext} and the {@link Task} the core dispatcher runs (one
 * object per actor besides the mailbox queue and the user's actor instance).
 *
 * <h2>State</h2>
 * A {@link MailboxStatus}: IDLE (nothing to do, not queued), SCHEDULED (queued on the
 * dispatcher or running: whoever holds this token is the only consumer), CLOSED (stopped;
 * terminal). Ordinary messages wait in a {@link ManyToOneMessageQueue}; system messages (stop,
 * child terminated) in a {@link SystemMessageQueue}, processed first.
 *
 * <h2>The path of a message</h2>
 * <ol>
 *   <li>{@code tell} appends the message to the queue;</li>
 *   <li>then tries IDLE→SCHEDULED with one CAS; only the winner hands the cell to the
 *       dispatcher;</li>
 *   <li>an activation ({@link #run()}) processes system messages, then up to {@code throughput}
 *       messages. With messages left, it re-submits itself keeping the token if other work waits
 *       for its thread, and otherwise goes on with another batch. Once the mailbox looks empty
 *       it sets IDLE and re-checks both queues: a message that arrived after the last poll but
 *       before IDLE would otherwise be stranded, so if either queue is non-empty it tries
 *       IDLE→SCHEDULED again (the sender's CAS and this one race; exactly one wins and
 *       schedules).</li>
 * </ol>
 * Invariants: the cell runs on one thread at a time (only the SCHEDULED owner runs it, and it
 * is scheduled only from IDLE); messages from one sender are appended in send order and polled
 * in queue order; every message is processed, or after CLOSED drained to dead letters.
 *
 * <h2>Stopping</h2>
 * A STOP system message makes the actor stop processing ordinary messages and stop its
 * children; when the last child reports CHILD_TERMINATED (or there were none) it runs
 * {@code onStop} once, sets CLOSED, drains its queue to dead letters, fails pending asks and
 * tells its parent. A sender that finds the cell CLOSED after appending claims the closed
 * mailbox's drain token and drains the queue itself, so a message racing with the stop still
 * reaches dead letters.
 *
 * <h2>Memory ordering</h2>
 * Status changes are volatile CASes; the queue's own hand-off publishes each message to the
 * consumer. The actor and the cell's actor-side state ({@code actor}, {@code children},
 * {@code stopping}) are touched only by the token holder; consecutive activations on different
 * workers are ordered by the token (released by one CAS, taken by the next).
 */
final class ActorCell<M> implements Task, ActorRef<M>, ActorContext<M> {
    private static final Logger LOG = LoggerFactory.getLogger(ActorCell.class);

    private final ActorSystem system;
    private final ActorCell<?> parent;
    private final String name;
    private final Supplier<? extends Actor<M>> factory;
    private final MessageQueue<M> mailbox;
    private final ActorOptions options;
    private final int throughput;
    private final boolean blocking;

    /** IDLE / SCHEDULED / CLOSED: who may run this cell (see {@link MailboxStatus}). */
    private final MailboxStatus status = new MailboxStatus();
    private final SystemMessageQueue<SystemMessage> systemQueue = new SystemMessageQueue<>();
    /** Asks waiting for a reply from this actor; allocated on first use. */
    private volatile PendingAsks pendingAsks;
    /** Actors watching this one (their notifications); allocated on first use. */
    private volatile Set<Runnable> watchers;
    private volatile boolean terminated;

    // Actor-side state: only the thread running the activation touches these.
    private Actor<M> actor;
    private Map<String, ActorCell<?>> children;
    private boolean started;
    private boolean stopping;
    /** Waiting to be restarted (children stopping, or backoff): ordinary messages wait. */
    private boolean suspended;
    private Throwable restartCause;
    /** Actors this one watches, with the notification registered on each; first use. */
    private Map<ActorCell<?>, Runnable> watching;
    /** Messages set aside by {@link #stash}; first use. */
    private java.util.ArrayDeque<M> stash;
    /** Unstashed messages, handled before the mailbox; first use. */
    private java.util.ArrayDeque<M> unstashed;
    /** Timers to self, cancelled at stop; first use. */
    private volatile Set<Timer.Cancellable> timers;
    private int restartsInWindow;
    private long windowStartNanos;

    /**
     * @param instance the first actor instance, made by the spawner from {@code factory} (so
     *                 that {@link Blocking} is read once, at spawn)
     */
    ActorCell(ActorSystem system, ActorCell<?> parent, String name, Supplier<? extends Actor<M>> factory,
              Actor<M> instance, ActorOptions options, int defaultThroughput) {
        this.system = system;
        this.parent = parent;
        this.name = name;
        this.factory = factory;
        this.actor = instance;
        this.options = options;
        this.throughput = options.throughput() > 0 ? options.throughput() : defaultThroughput;
        this.blocking = options.blocking() || instance.getClass().isAnnotationPresent(Blocking.class);
        this.mailbox = options.mailboxCapacity() == 0
                ? new ManyToOneMessageQueue<>()
                : new BoundedMessageQueue<>(options.mailboxCapacity(), options.overflowPolicy());
    }

    /** Queues the first activation, which runs onStart. */
    void start() {
        if (status.trySchedule()) {
            schedule();
        }
    }

    /** Hands this cell (its token held) to its dispatcher. */
    private void schedule() {
        if (blocking) {
            system.blockingPool().execute(this);
        } else {
            system.coreDispatcher().execute(this);
        }
    }

    boolean runsOnBlockingDispatcher() {
        return blocking;
    }

    // ---------------------------------------------------------------- ActorRef

    /** What a send did with its message. */
    private enum Sent {
        /** Appended to the mailbox. */
        DELIVERED,
        /** The actor has stopped: the message went to dead letters. */
        RECIPIENT_STOPPED,
        /** The bounded mailbox is full: dropped to dead letters (DROP) or kept by the caller (FAIL). */
        MAILBOX_FULL
    }

    /** The one send path of tell, tryTell and ask. Any thread; never blocks. */
    private Sent offer(M message) {
        Objects.requireNonNull(message, "message");
        if (status.isClosed()) {
            system.deadLetters().publish(message, path(), "recipient stopped");
            return Sent.RECIPIENT_STOPPED;
        }
        if (!mailbox.tryOffer(message)) {
            if (options.overflowPolicy() == OverflowPolicy.DROP) {
                system.deadLetters().publish(message, path(), "mailbox full (capacity " + options.mailboxCapacity() + ")");
            }
            return Sent.MAILBOX_FULL;
        }
        if (status.trySchedule()) {
            schedule();
        } else if (status.isClosed()) {
            drainIfClosed(); // raced with the stop: the message must not stay in the queue
        }
        return Sent.DELIVERED;
    }

    @Override
    public void tell(M message) {
        if (offer(message) == Sent.MAILBOX_FULL && options.overflowPolicy() == OverflowPolicy.FAIL) {
            throw new MailboxFullException("mailbox of " + path() + " is full (capacity "
                    + options.mailboxCapacity() + "); message " + message.getClass().getName()
                    + " not delivered");
        }
    }

    @Override
    public boolean tryTell(M message) {
        return offer(message) == Sent.DELIVERED; // FAIL and full: the caller keeps the message
    }

    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + timeout);
        }
        AskReplyRef<R> ask = new AskReplyRef<>(this, system.timer(), timeout);
        Promise<R> promise = ask.promise;
        M message = request.apply(ask);
        Objects.requireNonNull(message, "the ask's request function returned null");
        ask.message = message;
        try {
            ask.armed(system.timer().schedule(timeout, ask));
        } catch (RejectedExecutionException shutDown) {
            return promise; // the timer is shut: it abandoned the ask, which failed the promise
        }
        addPendingAsk(ask); // publishes message and timer to whoever fails the ask on a stop
        if (offer(message) == Sent.MAILBOX_FULL) {
            // Full, under either policy (DROP has also sent it to dead letters): fail now
            // rather than wait out the timeout. A stopped target fails its pending asks itself.
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
        return mailbox.size();
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
        ActorSystem.validateName(childName);
        Objects.requireNonNull(childFactory, "factory");
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
        if (!(child instanceof ActorCell<?> c) || c.parent != this) {
            throw new IllegalArgumentException(child + " is not a child of " + path());
        }
        c.sendSystem(new SystemMessage(SystemMessage.STOP, null, null));
    }

    @Override
    public void stopSelf() {
        sendSystem(new SystemMessage(SystemMessage.STOP, null, null));
    }

    @Override
    public void stash(M message) {
        Objects.requireNonNull(message, "message");
        if (stash == null) {
            stash = new java.util.ArrayDeque<>();
        }
        stash.addLast(message);
    }

    @Override
    public void unstashAll() {
        if (stash == null || stash.isEmpty()) {
            return;
        }
        if (unstashed == null || unstashed.isEmpty()) {
            unstashed = stash; // hand the whole deque over
            stash = null;
        } else {
            // Unstashing again before the earlier batch was handled: keep stash order first.
            stash.addAll(unstashed);
            unstashed = stash;
            stash = null;
        }
    }

    private boolean hasUnstashed() {
        return unstashed != null && !unstashed.isEmpty();
    }

    @Override
    public void watch(ActorRef<?> target) {
        watchWith0(target, null);
    }

    @Override
    public void watchWith(ActorRef<?> target, M message) {
        watchWith0(target, Objects.requireNonNull(message, "message"));
    }

    private void watchWith0(ActorRef<?> target, M message) {
        if (!(target instanceof ActorCell<?> t) || t.system != system) {
            throw new IllegalArgumentException(target + " is not an actor of this system");
        }
        if (watching == null) {
            watching = new HashMap<>();
        }
        if (watching.containsKey(t)) {
            return;
        }
        Runnable notify = () -> sendSystem(new SystemMessage(SystemMessage.TERMINATED, t, null, message));
        watching.put(t, notify);
        t.addWatcher(notify);
    }

    @Override
    public void unwatch(ActorRef<?> target) {
        if (watching != null && target instanceof ActorCell<?> t) {
            Runnable notify = watching.remove(t);
            if (notify != null) {
                t.removeWatcher(notify);
            }
        }
    }

    @Override
    public Timer.Cancellable scheduleOnce(Duration delay, M message) {
        Objects.requireNonNull(message, "message");
        SelfTimer timer = new SelfTimer(message, 0);
        timer.arm(delay);
        return timer;
    }

    @Override
    public Timer.Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, M message) {
        Objects.requireNonNull(message, "message");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        SelfTimer timer = new SelfTimer(message, period.toNanos());
        timer.arm(initialDelay);
        return timer;
    }

    /** A timer that tells this actor a message, once or periodically. */
    private final class SelfTimer implements Task, Timer.Cancellable {
        private final M message;
        private final long periodNanos;
        private volatile boolean cancelled;
        private volatile Timer.Cancellable entry;

        SelfTimer(M message, long periodNanos) {
            this.message = message;
            this.periodNanos = periodNanos;
            if (timers == null) {
                timers = ConcurrentHashMap.newKeySet();
            }
            timers.add(this);
        }

        void arm(Duration delay) {
            entry = system.timer().schedule(delay, this);
            if (cancelled) {
                entry.cancel();
            }
        }

        @Override
        public void run() {
            if (cancelled || terminated) {
                return;
            }
            try {
                tell(message);
            } catch (MailboxFullException full) {
                system.deadLetters().publish(message, path(), "timer message: " + full.getMessage());
            }
            if (periodNanos > 0) {
                arm(Duration.ofNanos(periodNanos));
            } else {
                Set<Timer.Cancellable> set = timers;
                if (set != null) {
                    set.remove(this);
                }
            }
        }

        @Override
        public void abandon(Throwable reason) {
            // The system is shutting down; the actor stops with it.
        }

        @Override
        public boolean cancel() {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            Timer.Cancellable e = entry;
            if (e != null) {
                e.cancel();
            }
            Set<Timer.Cancellable> set = timers;
            if (set != null) {
                set.remove(this);
            }
            return true;
        }
    }

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

    /** Stops this actor from outside (the system, its parent). */
    void stopAsync() {
        sendSystem(new SystemMessage(SystemMessage.STOP, null, null));
    }

    boolean isTerminated() {
        return terminated;
    }

    // ---------------------------------------------------------------- system lane

    private void sendSystem(SystemMessage m) {
        systemQueue.push(m);
        if (status.trySchedule()) {
            schedule();
        }
        // Closed: a stopped actor ignores further system messages.
    }

    /** Handles queued system messages; returns true if the actor has terminated. */
    private boolean processSystemMessages() {
        SystemMessage s;
        while ((s = systemQueue.poll()) != null) {
            switch (s.kind) {
                case SystemMessage.STOP -> beginStop();
                case SystemMessage.CHILD_TERMINATED -> {
                    if (children != null) {
                        children.remove(s.child.name);
                    }
                    if (children == null || children.isEmpty()) {
                        if (stopping) {
                            finishStop();
                        } else if (suspended && restartCause != null) {
                            restartAfterBackoff();
                        }
                    }
                }
                case SystemMessage.CHILD_FAILED -> handleFailure(s.cause, null);
                case SystemMessage.TERMINATED -> deliverTerminated(s);
                case SystemMessage.RESTART -> restartNow();
                default -> throw new IllegalStateException("unknown system message " + s.kind);
            }
            if (terminated) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- activation

    /** One activation; the caller holds the mailbox token (SCHEDULED). */
    @Override
    public void run() {
        if (!started) {
            started = true;
            if (!startInstance()) {
                return;
            }
        }
        if (!systemQueue.isEmpty() && processSystemMessages()) {
            return;
        }
        batches:
        while (!stopping && !suspended) {
            for (int i = 0; i < throughput; i++) {
                M m = hasUnstashed() ? unstashed.pollFirst() : mailbox.poll();
                if (m == null) {
                    break batches;
                }
                invoke(m);
                if (terminated || (!systemQueue.isEmpty() && processSystemMessages())) {
                    return; // terminated: finishStop released the token already
                }
                if (stopping || suspended) {
                    break batches;
                }
            }
            if (mailbox.isEmpty() && !hasUnstashed()) {
                break;
            }
            sweepAsks(); // an actor that never falls idle must still drop completed asks
            // Throughput used up with messages left: yield the thread if other work waits for
            // it, keeping the token (re-submitting while SCHEDULED is what a winning
            // trySchedule would do, minus two CASes). With nothing waiting, yielding would only
            // bring this actor straight back: go on with the next batch instead.
            if (blocking) {
                if (system.blockingPool().hasQueuedWork()) {
                    system.blockingPool().execute(this); // FIFO: behind the waiting work
                    return;
                }
            } else if (system.coreDispatcher().hasQueuedWork()) {
                system.coreDispatcher().executeYielded(this);
                return;
            }
        }
        sweepAsks();
        status.setIdle();
        // The idle race: a message or signal that arrived after the last poll must not be
        // stranded. Its sender's trySchedule lost to us; re-check, and race it again.
        if (((!stopping && !suspended && (!mailbox.isEmpty() || hasUnstashed())) || !systemQueue.isEmpty())
                && status.trySchedule()) {
            schedule();
        }
    }

    /** Runs onStart on the first instance; false if the actor terminated instead. */
    private boolean startInstance() {
        try {
            actor.onStart(this);
        } catch (Throwable t) {
            handleFailure(t, null);
        }
        return !terminated;
    }

    private void invoke(M message) {
        try {
            actor.receive(this, message);
        } catch (Throwable t) {
            handleFailure(t, message);
        }
    }

    @SuppressWarnings("unchecked")
    private void deliverTerminated(SystemMessage s) {
        if (watching == null || watching.remove(s.child) == null || stopping) {
            return; // unwatched meanwhile, or this actor is stopping itself
        }
        if (s.message != null) {
            invoke((M) s.message);
            return;
        }
        try {
            actor.onTerminated(this, s.child);
        } catch (Throwable t) {
            handleFailure(t, null);
        }
    }

    // ---------------------------------------------------------------- supervision

    /** Applies this actor's supervision strategy to a failure. Actor thread only. */
    private void handleFailure(Throwable cause, Object message) {
        if (stopping) {
            return;
        }
        if (message != null) {
            LOG.error("actor {} failed processing {}", path(), message.getClass().getName(), cause);
            system.deadLetters().publish(message, path(), "the actor failed processing it: " + cause);
            failAskOf(message, cause);
        } else {
            LOG.error("actor {} failed", path(), cause);
        }
        switch (options.supervision()) {
            case SupervisorStrategy.Resume r -> { }
            case SupervisorStrategy.Stop st -> beginStop();
            case SupervisorStrategy.Escalate e -> {
                beginStop();
                if (parent != null) {
                    parent.sendSystem(new SystemMessage(SystemMessage.CHILD_FAILED, this, cause));
                } else {
                    LOG.error("actor {} escalated its failure to the root, which stops it", path());
                }
            }
            case SupervisorStrategy.Restart r -> beginRestart(r, cause);
        }
    }

    private void beginRestart(SupervisorStrategy.Restart r, Throwable cause) {
        long now = System.nanoTime();
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
        if (children == null || children.isEmpty()) {
            restartAfterBackoff();
        } else {
            for (ActorCell<?> c : children.values()) {
                c.stopAsync(); // the fresh instance starts without the old one's children
            }
        }
    }

    private void restartAfterBackoff() {
        SupervisorStrategy.Restart r = (SupervisorStrategy.Restart) options.supervision();
        long backoff = r.minBackoff().toNanos() << Math.min(20, restartsInWindow - 1);
        backoff = Math.max(0, Math.min(backoff, r.maxBackoff().toNanos()));
        if (backoff == 0) {
            restartNow();
            return;
        }
        system.timer().schedule(Duration.ofNanos(backoff), new Task() {
            @Override
            public void run() {
                sendSystem(new SystemMessage(SystemMessage.RESTART, null, null));
            }

            @Override
            public void abandon(Throwable reason) {
                // Shutting down: the actor is stopped with the rest.
            }
        });
    }

    private void restartNow() {
        if (!suspended || stopping || terminated) {
            return;
        }
        Throwable cause = restartCause;
        restartCause = null;
        try {
            actor = Objects.requireNonNull(factory.get(), "actor factory returned null");
            suspended = false;
            actor.onRestart(this, cause);
        } catch (Throwable t) {
            suspended = false;
            handleFailure(t, null);
        }
    }

    private void beginStop() {
        if (stopping) {
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
        if (actor != null) {
            try {
                actor.onStop(this);
            } catch (Throwable t) {
                LOG.error("actor {} failed in onStop", path(), t);
            }
        }
        closeAndNotify();
        if (parent != null) {
            parent.sendSystem(new SystemMessage(SystemMessage.CHILD_TERMINATED, this, null));
        } else {
            system.topLevelTerminated(this);
        }
    }

    /**
     * Token holder of a closed mailbox: moves every queued message to dead letters and releases
     * the token. The cell never runs again once closed, so the token makes the drainer the
     * queue's single consumer.
     */
    private void drainHeld() {
        M m;
        while ((m = mailbox.poll()) != null) {
            system.deadLetters().publish(m, path(), "recipient stopped");
        }
        status.setIdle();
    }

    /**
     * A message may have been appended after the last drain (a sender that raced the close):
     * whoever finds the queue non-empty claims the drain token and drains; repeated until the
     * queue stays empty.
     */
    private void drainIfClosed() {
        while (!mailbox.isEmpty() && status.tryClaimDrain()) {
            drainHeld();
        }
    }

    // ---------------------------------------------------------------- pending asks

    /**
     * Registers an ask with this actor, so that its stop or failure fails the ask at once. The
     * re-check of {@code terminated} after the push pairs with closeAndNotify, which writes
     * {@code terminated} before it reads {@code pendingAsks}: either the closer finds the ask,
     * or the asker sees {@code terminated} (a Dekker pattern on volatiles). Any thread.
     */
    private void addPendingAsk(AskReplyRef<?> pending) {
        PendingAsks asks = pendingAsks;
        if (asks == null) {
            synchronized (this) {
                asks = pendingAsks;
                if (asks == null) {
                    asks = new PendingAsks();
                    pendingAsks = asks;
                }
            }
        }
        if (!asks.add(pending) || terminated) {
            failTerminated(pending); // stopped meanwhile: the closer may have missed it
        }
    }

    /** Token holder: drops completed asks once enough have piled up (see PendingAsks). */
    private void sweepAsks() {
        PendingAsks asks = pendingAsks;
        if (asks != null) {
            asks.sweepIfDue();
        }
    }

    /** Registered asks, completed or not, until the next sweep (tests). */
    int pendingAskCount() {
        PendingAsks asks = pendingAsks;
        return asks == null ? 0 : asks.size();
    }

    private void failTerminated(AskReplyRef<?> pending) {
        String why = system.isShutdown() ? " was stopped by the actor system's shutdown before replying to the "
                : " stopped before replying to the ";
        pending.promise.fail(new ActorTerminatedException(path() + why + pending.describe()));
    }

    /** The actor threw while handling {@code message}: an ask that sent it fails with the cause. */
    private void failAskOf(Object message, Throwable cause) {
        PendingAsks asks = pendingAsks;
        if (asks != null) {
            asks.forEach(p -> {
                if (p.message == message) {
                    p.promise.fail(cause);
                }
            });
        }
    }

    /** A system message: stop, or a child's termination. */
    private static final class SystemMessage {
        static final int STOP = 1;
        static final int CHILD_TERMINATED = 2;
        static final int CHILD_FAILED = 3;
        static final int RESTART = 4;
        static final int TERMINATED = 5;

        final int kind;
        final ActorCell<?> child;
        final Throwable cause;
        final Object message;

        SystemMessage(int kind, ActorCell<?> child, Throwable cause) {
            this(kind, child, cause, null);
        }

        SystemMessage(int kind, ActorCell<?> child, Throwable cause, Object message) {
            this.kind = kind;
            this.child = child;
            this.cause = cause;
            this.message = message;
        }
    }

    /**
     * CLOSED for good: queued messages to dead letters, pending asks failed. The caller holds
     * the token (it runs the last activation, or was handed an abandoned one).
     */
    private void closeAndNotify() {
        status.close();
        terminated = true;
        for (java.util.ArrayDeque<M> held : java.util.Arrays.asList(unstashed, stash)) {
            if (held != null) {
                for (M m : held) {
                    system.deadLetters().publish(m, path(), "recipient stopped (stashed)");
                }
                held.clear();
            }
        }
        drainHeld();
        drainIfClosed();
        PendingAsks asks = pendingAsks;
        if (asks != null) {
            asks.close(this::failTerminated);
        }
        Set<Runnable> ws = watchers;
        if (ws != null) {
            for (Runnable notify : ws) {
                if (ws.remove(notify)) {
                    notify.run();
                }
            }
        }
        Set<Timer.Cancellable> ts = timers;
        if (ts != null) {
            for (Timer.Cancellable t : ts) {
                t.cancel();
            }
        }
        if (watching != null) {
            for (Map.Entry<ActorCell<?>, Runnable> e : watching.entrySet()) {
                e.getKey().removeWatcher(e.getValue());
            }
            watching = null;
        }
    }

    @Override
    public void abandon(Throwable reason) {
        // The runtime shut down before this activation could run: nothing will process the
        // queue again, so its messages go to dead letters and its pending asks fail.
        closeAndNotify();
    }
}
