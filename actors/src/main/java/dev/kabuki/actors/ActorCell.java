package dev.kabuki.actors;

import dev.kabuki.mailbox.MailboxStatus;
import dev.kabuki.mailbox.ManyToOneMessageQueue;
import dev.kabuki.mailbox.MessageQueue;
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
 *       messages, then sets IDLE and re-checks both queues: a message that arrived after the last
 *       poll but before IDLE would otherwise be stranded, so if either queue is non-empty it
 *       tries IDLE→SCHEDULED again (the sender's CAS and this one race; exactly one wins and
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
    private final MessageQueue<M> mailbox = new ManyToOneMessageQueue<>();
    private final int throughput;

    /** IDLE / SCHEDULED / CLOSED: who may run this cell (see {@link MailboxStatus}). */
    private final MailboxStatus status = new MailboxStatus();
    private final SystemMessageQueue<SystemMessage> systemQueue = new SystemMessageQueue<>();
    /** Pending asks and other termination listeners; allocated on first use. */
    private volatile Set<Runnable> terminationListeners;
    private volatile boolean terminated;

    // Actor-side state: only the thread running the activation touches these.
    private Actor<M> actor;
    private Map<String, ActorCell<?>> children;
    private boolean started;
    private boolean stopping;

    ActorCell(ActorSystem system, ActorCell<?> parent, String name, Supplier<? extends Actor<M>> factory,
              int throughput) {
        this.system = system;
        this.parent = parent;
        this.name = name;
        this.factory = factory;
        this.throughput = throughput;
    }

    /** Queues the first activation, which creates the actor and runs onStart. */
    void start() {
        if (status.trySchedule()) {
            system.coreDispatcher().execute(this);
        }
    }

    // ---------------------------------------------------------------- ActorRef

    @Override
    public void tell(M message) {
        Objects.requireNonNull(message, "message");
        if (status.isClosed()) {
            system.deadLetters().publish(message, path(), "recipient stopped");
            return;
        }
        if (!mailbox.tryOffer(message)) {
            system.deadLetters().publish(message, path(), "mailbox full");
            return;
        }
        if (status.trySchedule()) {
            system.coreDispatcher().execute(this);
        } else if (status.isClosed()) {
            drainIfClosed(); // raced with the stop: the message must not stay in the queue
        }
    }

    @Override
    public boolean tryTell(M message) {
        if (status.isClosed()) {
            system.deadLetters().publish(message, path(), "recipient stopped");
            return false;
        }
        tell(message);
        return true;
    }

    @Override
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + timeout);
        }
        Promise<R> promise = new Promise<>(system.timer());
        AskReplyRef<R> replyTo = new AskReplyRef<>(promise, this, system.deadLetters());
        M message = request.apply(replyTo);
        String what = "ask to " + path() + " with " + message.getClass().getSimpleName()
                + " (timeout " + timeout.toMillis() + " ms)";
        Timer.Cancellable timer = system.timer().schedule(timeout, new Task() {
            @Override
            public void run() {
                promise.timeOut(what + " timed out: no reply");
            }

            @Override
            public void abandon(Throwable reason) {
                promise.fail(reason);
            }
        });
        Runnable onTerminated = () -> promise.fail(
                new ActorTerminatedException(path() + " stopped before replying to the " + what));
        addTerminationListener(onTerminated);
        promise.whenComplete((v, e) -> {
            timer.cancel();
            removeTerminationListener(onTerminated);
        });
        tell(message);
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
        ActorSystem.validateName(childName);
        Objects.requireNonNull(childFactory, "factory");
        if (children == null) {
            children = new HashMap<>();
        }
        if (children.containsKey(childName)) {
            throw new IllegalArgumentException("an actor named '" + childName + "' already exists at "
                    + path() + "/" + childName);
        }
        ActorCell<C> child = system.newCell(this, childName, childFactory);
        children.put(childName, child);
        child.start();
        return child;
    }

    @Override
    public void stop(ActorRef<?> child) {
        if (!(child instanceof ActorCell<?> c) || c.parent != this) {
            throw new IllegalArgumentException(child + " is not a child of " + path());
        }
        c.sendSystem(new SystemMessage(SystemMessage.STOP, null));
    }

    @Override
    public void stopSelf() {
        sendSystem(new SystemMessage(SystemMessage.STOP, null));
    }

    /** Stops this actor from outside (the system, its parent). */
    void stopAsync() {
        sendSystem(new SystemMessage(SystemMessage.STOP, null));
    }

    boolean isTerminated() {
        return terminated;
    }

    // ---------------------------------------------------------------- system lane

    private void sendSystem(SystemMessage m) {
        systemQueue.push(m);
        if (status.trySchedule()) {
            system.coreDispatcher().execute(this);
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
                    if (stopping && (children == null || children.isEmpty())) {
                        finishStop();
                    }
                }
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
            if (!create()) {
                return;
            }
        }
        if (!systemQueue.isEmpty() && processSystemMessages()) {
            return;
        }
        if (!stopping) {
            for (int i = 0; i < throughput; i++) {
                M m = mailbox.poll();
                if (m == null) {
                    break;
                }
                invoke(m);
                if (!systemQueue.isEmpty() && processSystemMessages()) {
                    return;
                }
                if (stopping) {
                    break;
                }
            }
        }
        status.setIdle();
        // The idle race: a message or signal that arrived after the last poll must not be
        // stranded. Its sender's trySchedule lost to us; re-check, and race it again.
        if (((!stopping && !mailbox.isEmpty()) || !systemQueue.isEmpty()) && status.trySchedule()) {
            system.coreDispatcher().execute(this);
        }
    }

    private boolean create() {
        try {
            actor = Objects.requireNonNull(factory.get(), "actor factory returned null");
            actor.onStart(this);
            return true;
        } catch (Throwable t) {
            LOG.error("actor {} failed to start; stopping it", path(), t);
            beginStop();
            return !terminated;
        }
    }

    private void invoke(M message) {
        try {
            actor.receive(this, message);
        } catch (Throwable t) {
            LOG.error("actor {} failed processing {}; stopping it", path(),
                    message.getClass().getName(), t);
            beginStop();
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
            parent.sendSystem(new SystemMessage(SystemMessage.CHILD_TERMINATED, this));
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

    // ---------------------------------------------------------------- termination listeners

    private void addTerminationListener(Runnable listener) {
        Set<Runnable> set = terminationListeners;
        if (set == null) {
            synchronized (this) {
                set = terminationListeners;
                if (set == null) {
                    set = ConcurrentHashMap.newKeySet();
                    terminationListeners = set;
                }
            }
        }
        set.add(listener);
        if (terminated) {
            listener.run(); // terminated meanwhile: the terminator may have missed it (idempotent)
        }
    }

    private void removeTerminationListener(Runnable listener) {
        Set<Runnable> set = terminationListeners;
        if (set != null) {
            set.remove(listener);
        }
    }

    /** A system message: stop, or a child's termination. */
    private static final class SystemMessage {
        static final int STOP = 1;
        static final int CHILD_TERMINATED = 2;

        final int kind;
        final ActorCell<?> child;

        SystemMessage(int kind, ActorCell<?> child) {
            this.kind = kind;
            this.child = child;
        }
    }

    /**
     * CLOSED for good: queued messages to dead letters, pending asks failed. The caller holds
     * the token (it runs the last activation, or was handed an abandoned one).
     */
    private void closeAndNotify() {
        status.close();
        terminated = true;
        drainHeld();
        drainIfClosed();
        Set<Runnable> listeners = terminationListeners;
        if (listeners != null) {
            for (Runnable r : listeners) {
                r.run();
            }
        }
    }

    @Override
    public void abandon(Throwable reason) {
        // The runtime shut down before this activation could run: nothing will process the
        // queue again, so its messages go to dead letters and its pending asks fail.
        closeAndNotify();
    }
}
