package dev.kabuki.actors;

import dev.kabuki.mailbox.internal.MailboxStatus;
import dev.kabuki.mailbox.internal.MessageQueue;
import dev.kabuki.mailbox.internal.SystemMessageQueue;
import dev.kabuki.scheduler.internal.ActivationDispatcher;
import dev.kabuki.scheduler.internal.BusyWait;
import dev.kabuki.scheduler.internal.LingeringTask;
import dev.kabuki.scheduler.internal.Task;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * The mailbox of one actor: its status word, its two lanes, and the activation that drains
 * them. This is the part of an actor the dispatchers see (the {@link Task} they run); what
 * each message and signal does is its {@link MailboxConsumer}'s business ({@link ActorCell}).
 *
 * <h2>State</h2>
 * <ul>
 *   <li>The status word (inherited from {@link MailboxStatus}, embedded to save an object per
 *       actor): IDLE, SCHEDULED (the token: whoever holds it is the one consumer), CLOSED.</li>
 *   <li>{@code queue}: ordinary messages, many producers, one consumer.</li>
 *   <li>{@code system}: signals (stop, child terminated, restart, ...), handled first.</li>
 *   <li>{@code front}: messages handed back by {@code unstashAll}, handled before the queue.</li>
 *   <li>{@code dispatcher}: where activations run (core or blocking); {@code refusal}: the
 *       cause of a refused activation on its way to the fallback dispatcher;
 *       {@code appendWaits}: consecutive activations that found a producer mid-append.</li>
 * </ul>
 *
 * <h2>The path of a message</h2>
 * <ol>
 *   <li>{@link #offer} appends to {@code queue} (any thread), then tries IDLE→SCHEDULED with one
 *       CAS; only the winner hands the mailbox to its dispatcher.</li>
 *   <li>{@link #run()}, the one entry point of an activation (token held): the consumer's
 *       {@code onStart} the first time; every signal on the system lane; then up to
 *       {@code throughput} messages, front lane first, each followed by the signals that came
 *       meanwhile.</li>
 *   <li>With messages left after a batch: if other work waits for this thread the mailbox
 *       re-submits itself behind it, keeping the token; otherwise it goes on with another
 *       batch.</li>
 *   <li>Out of messages (or the consumer cannot take any: stopping, or waiting to restart):
 *       release the token (SCHEDULED→IDLE), then re-check both lanes and race any sender for
 *       the token again: a message appended after the last poll but before the release would
 *       otherwise be stranded (see {@link MailboxStatus}, the idle race). A core worker may
 *       first keep the mailbox, token held, until the end of the next task it runs
 *       ({@link ActivationDispatcher#linger}): a reply that comes meanwhile finds the token
 *       taken and only appends, and the worker runs the mailbox again; with nothing come,
 *       it releases the token then, the same way.</li>
 *   <li>Once the consumer has terminated: close, drain both lanes to dead letters, release;
 *       a sender that raced the close claims the drain token and drains what it appended.</li>
 * </ol>
 *
 * <h2>Faults</h2>
 * {@link #run()} never throws and never leaves the token held: whatever escapes the
 * activation (a throwable from the library's own code; the actor's exceptions are caught by
 * supervision inside {@link MailboxConsumer#invoke}) is handed to
 * {@link MailboxConsumer#activationEscaped}, which stops the actor through the normal stop
 * path, and a {@code finally} then releases the token (or closes the mailbox once the actor
 * has terminated). An actor never stays wedged with its token held.
 *
 * <h2>Refused activations</h2>
 * A dispatcher that cannot run an activation calls {@link #abandon}. Activations of actors
 * tagged blocking bypass the blocking pool's queue capacity (there is at most one per actor), so
 * the pool refuses one only when it can make no thread or is shut down. The first refusal sends
 * the activation to the {@linkplain ActivationDispatcher#fallback fallback} (core) dispatcher,
 * which runs the actor's stop path with the cause ({@link MailboxConsumer#activationRefused});
 * later activations run there too. A refusal by the core dispatcher means the runtime has shut
 * down: the actor is abandoned ({@link MailboxConsumer#abandonedAtShutdown}), which the
 * shutdown report counts.
 *
 * <h2>A producer caught mid-append</h2>
 * {@code poll()} may return null while the queue is not empty: a producer has claimed its place
 * but not linked its message yet (it may have been preempted). The activation waits for the
 * link with a bounded back-off ({@value #APPEND_LOOKS} looks with the runtime's busy-wait
 * cadence, which yields now and then: the producer may need this very CPU); still unlinked, it
 * re-submits itself behind other work, and after
 * {@value #APPEND_WAITS_BEFORE_TIMER} such activations in a row it waits one timer tick before
 * the next, so a stalled producer never makes a worker spin.
 *
 * <h2>Who writes what</h2>
 * Any thread: {@code queue} and {@code system} appends, the status CASes of
 * {@link MailboxStatus}. The token holder only: polls, {@code front}, {@code appendWaits},
 * {@code dispatcher} (after a refusal) and everything of the consumer. Every sender reads the
 * status word, which shares a cache line with these fields: the activation writes them only
 * when they change, never once per message, or each message would take the line away from the
 * senders. {@code refusal} is
 * written by the thread a dispatcher calls {@code abandon} on, which holds the token for the
 * refused activation.
 *
 * <h2>Memory ordering</h2>
 * The token is handed from one holder to the next by volatile CASes of the status word (a
 * release by {@code setIdle}, an acquire by the next {@code trySchedule}), or by a dispatcher's
 * queue (a re-submission), both of which order every plain write of one activation before the
 * next activation's reads: the consumer's fields and this class's token-holder fields need no
 * volatile. The idle race is a Dekker pattern (append then read the status, against release the
 * status then read the lanes), all volatile/CAS accesses; see {@link MailboxStatus}.
 *
 * @param <M> the message type
 */
final class Mailbox<M> extends MailboxStatus implements LingeringTask {
    /** Looks at the queue, per activation, while a producer is caught mid-append. */
    static final int APPEND_LOOKS = 256;
    /** Consecutive activations that found a producer mid-append before the next one waits a tick. */
    static final int APPEND_WAITS_BEFORE_TIMER = 3;

    private final MailboxConsumer<M> consumer;
    private final MessageQueue<M> queue;
    private final SystemMessageQueue<SystemMessage> system = new SystemMessageQueue<>();
    private final int throughput;
    /** Token holder (see the class note). */
    private ActivationDispatcher dispatcher;
    /** Unstashed messages, handled before the queue; token holder; null until first used. */
    private ArrayDeque<M> front;
    /** Set by a refusing dispatcher's abandon; read and cleared by the next activation. */
    private Throwable refusal;
    private int appendWaits;

    /**
     * @param consumer   what the activations drive (the actor's cell)
     * @param queue      the ordinary-message lane (bounded or not)
     * @param throughput messages per batch before the activation offers its thread to other work
     * @param dispatcher where the activations run
     */
    Mailbox(MailboxConsumer<M> consumer, MessageQueue<M> queue, int throughput, ActivationDispatcher dispatcher) {
        if (throughput < 1) {
            throw new IllegalArgumentException("throughput must be positive, got " + throughput);
        }
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.throughput = throughput;
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    }

    // ---------------------------------------------------------------- producers (any thread)

    /** What {@link #offer} did with a message. */
    enum Offer {
        /** Appended. */
        DELIVERED,
        /** The mailbox is closed: the caller sends the message to dead letters. */
        CLOSED,
        /** The bounded queue is full: nothing was appended. */
        FULL
    }

    /**
     * Appends {@code message} and schedules the mailbox if this call took the token. A message
     * that races the close is drained to dead letters by whoever holds the drain token. Any
     * thread; never blocks.
     */
    Offer offer(M message) {
        if (isClosed()) {
            return Offer.CLOSED;
        }
        if (!queue.tryOffer(message)) {
            return Offer.FULL;
        }
        if (trySchedule()) {
            dispatcher.execute(this);
        } else if (isClosed()) {
            drainIfClosed(); // raced with the close: the message must not stay in the queue
        }
        return Offer.DELIVERED;
    }

    /** Appends a signal and schedules the mailbox if this call took the token. Any thread. */
    void offerSystem(SystemMessage signal) {
        system.push(signal);
        if (trySchedule()) {
            dispatcher.execute(this);
        } else if (isClosed()) {
            drainIfClosed(); // a terminated actor ignores signals: do not keep them
        }
    }

    /** Schedules the first activation (the consumer's onStart). */
    void start() {
        if (trySchedule()) {
            dispatcher.execute(this);
        }
    }

    /**
     * Takes the token of a fresh mailbox for the thread that is still setting the actor up:
     * messages sent meanwhile wait in the queue, since no sender can win the token. Ends with
     * {@link #startReserved} or {@link #discardReserved}, on the same thread.
     */
    void reserve() {
        if (!trySchedule()) {
            throw new IllegalStateException("a fresh mailbox must be IDLE: " + this);
        }
    }

    /** Reserved: activations will run on {@code d} instead (set before anyone can run one). */
    void moveReserved(ActivationDispatcher d) {
        dispatcher = Objects.requireNonNull(d, "dispatcher");
    }

    /** Reserved: hands the token to the dispatcher for the first activation. */
    void startReserved() {
        dispatcher.execute(this);
    }

    /** Reserved, and the actor will never start: close and drain what was sent meanwhile. */
    void discardReserved() {
        closeAndDrain();
    }

    /** Messages appended and not yet taken, O(1); a snapshot from other threads. */
    int depth() {
        return queue.size();
    }

    /** Whether activations run on the blocking pool (until a refusal moved them to the core). */
    boolean runsOn(ActivationDispatcher d) {
        return dispatcher == d;
    }

    /**
     * Hands {@code messages} back to be handled before anything in the queue, in their order,
     * ahead of messages handed back earlier and not handled yet. Token holder.
     */
    void prepend(ArrayDeque<M> messages) {
        if (messages.isEmpty()) {
            return;
        }
        ArrayDeque<M> f = front;
        if (f == null || f.isEmpty()) {
            front = messages;
        } else {
            messages.addAll(f);
            front = messages;
        }
    }

    // ---------------------------------------------------------------- the activation

    /** An activation's outcome: release the token and re-check (also: go on batching). */
    private static final int IDLE = 0;
    /** An activation's outcome: the token went on with a re-submission. */
    private static final int HANDED_OFF = 1;
    /** An activation's outcome: the consumer terminated; close and drain. */
    private static final int TERMINATED = 2;

    /**
     * One activation; the caller (a dispatcher) hands over the token: signals, then batches of
     * messages. Never throws; leaves the token released, handed on (re-submitted), or the
     * mailbox closed.
     */
    @Override
    public void run() {
        // The batch loop is written out here rather than in a method of its own: each message's
        // path (receive, a tell, the next mailbox's offer and the dispatcher's queue) is a deep
        // chain of calls that the JIT should inline into this one method.
        final MailboxConsumer<M> c = consumer;
        int outcome = IDLE;
        try {
            Throwable refused = refusal;
            if (refused != null) {
                refusal = null;
                c.activationRefused(refused);
                outcome = c.isTerminated() ? TERMINATED : IDLE;
            } else {
                c.startIfNew();
                if (c.isTerminated() || (!system.isEmpty() && processSystem())) {
                    outcome = TERMINATED;
                }
            }
            int budget = throughput;
            while (outcome == IDLE && c.acceptsMessages()) {
                M m = pollNext();
                if (m == null) {
                    if (queue.isEmpty()) {
                        break;
                    }
                    m = awaitAppend();
                    if (m == null) {
                        backOff();
                        outcome = HANDED_OFF;
                        break;
                    }
                }
                if (appendWaits != 0) {
                    appendWaits = 0; // written only when set: senders read this object's status word
                }
                c.invoke(m);
                if (c.isTerminated() || (!system.isEmpty() && processSystem())) {
                    outcome = TERMINATED;
                } else if (--budget == 0) {
                    budget = throughput;
                    outcome = afterBatch();
                }
            }
        } catch (Throwable escaped) {
            outcome = afterEscape(escaped);
        }
        if (outcome == IDLE) {
            goIdle();
        } else if (outcome == TERMINATED) {
            closeAndDrain();
        }
    }

    /**
     * A batch used up the throughput. Messages left: give the thread to other waiting work,
     * keeping the token (re-submitting while SCHEDULED is what a winning trySchedule would do,
     * minus two CASes), HANDED_OFF. With nothing waiting, yielding would only bring this mailbox
     * straight back: IDLE, meaning go on with the next batch (the loop ends on an empty queue).
     */
    private int afterBatch() {
        if (queue.isEmpty() && (front == null || front.isEmpty())) {
            return IDLE;
        }
        consumer.beforeIdle(); // an actor that never falls idle must still tidy up
        if (dispatcher.hasQueuedWork()) {
            dispatcher.executeYielded(this);
            return HANDED_OFF;
        }
        return IDLE;
    }

    /**
     * Something escaped the activation: the consumer stops the actor (it must not throw; if it
     * does anyway, the actor is treated as terminated so that the mailbox still closes).
     */
    private int afterEscape(Throwable escaped) {
        try {
            consumer.activationEscaped(escaped);
            return consumer.isTerminated() ? TERMINATED : IDLE;
        } catch (Throwable again) {
            escaped.addSuppressed(again);
            return TERMINATED;
        }
    }

    private M pollNext() {
        ArrayDeque<M> f = front;
        if (f != null) {
            M m = f.pollFirst();
            if (m != null) {
                return m;
            }
            front = null;
        }
        return queue.poll();
    }

    /** Handles every pending signal; true if the consumer terminated. */
    private boolean processSystem() {
        SystemMessage s;
        while ((s = system.poll()) != null) {
            consumer.invokeSystem(s);
            if (consumer.isTerminated()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A producer is mid-append: look again a bounded number of times, with the runtime's
     * busy-wait cadence ({@link BusyWait}: a {@code PAUSE} only every few looks, so that a
     * hypervisor does not take the spin for a lock-holder wait and deschedule the CPU; a yield
     * now and then, in case the producer waits for this very CPU).
     */
    private M awaitAppend() {
        for (int round = 1; round <= APPEND_LOOKS; round++) {
            BusyWait.pause(round);
            M m = queue.poll();
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    /**
     * The producer is still mid-append: re-submit behind other work, keeping the token; after
     * several such activations in a row, wait one timer tick first.
     */
    private void backOff() {
        if (++appendWaits < APPEND_WAITS_BEFORE_TIMER) {
            dispatcher.executeYielded(this);
            return;
        }
        appendWaits = 0;
        final ActivationDispatcher d = dispatcher;
        try {
            d.timer().schedule(Duration.ZERO, new Task() {
                @Override
                public void run() {
                    d.execute(Mailbox.this);
                }

                @Override
                public void abandon(Throwable reason) {
                    Mailbox.this.abandon(reason);
                }
            });
        } catch (RejectedExecutionException timerShutDown) {
            // The timer abandoned the action, which abandoned this activation.
        }
    }

    /**
     * Out of messages: lets the dispatcher keep the token for a moment if it will (an actor told
     * back during the next task on this worker then runs without its token changing hands; see
     * {@link ActivationDispatcher#linger}), else releases it ({@link #release()}).
     */
    private void goIdle() {
        try {
            consumer.beforeIdle();
        } catch (Throwable t) {
            release();
            throw t;
        }
        if (!(consumer.acceptsMessages() && dispatcher.linger(this))) {
            release();
        }
    }

    /**
     * Lingering with its token held (see {@link #goIdle}): whether a message or a signal came
     * since. The front lane is empty while lingering (an activation only ends on an empty one).
     */
    @Override
    public boolean hasWork() {
        return !queue.isEmpty() || !system.isEmpty();
    }

    /**
     * Releases the token, then re-checks the lanes (the idle race). Token holder: the end of an
     * activation, or the dispatcher ending a linger with no work.
     */
    @Override
    public void release() {
        boolean wantsMessages = consumer.acceptsMessages();
        setIdle();
        // Messages the consumer cannot take now (stopping, waiting to restart) wait for the
        // signal that ends that state, which schedules the mailbox itself.
        if (((wantsMessages && !queue.isEmpty()) || !system.isEmpty()) && trySchedule()) {
            dispatcher.execute(this);
        }
    }

    /**
     * The consumer is terminating: closes the mailbox and moves everything queued to dead
     * letters now, before the stop is announced (a failed ask, a watcher, the parent), so that
     * whoever learns of it finds the mailbox closed and drained. Token holder; the token is
     * released when the activation ends ({@link #closeAndDrain}).
     */
    void closeAndDrainQueued() {
        close();
        drainFront();
        drainLanes();
    }

    /**
     * The consumer has terminated: close, move what is left to dead letters, release the token.
     * Token holder, once.
     */
    private void closeAndDrain() {
        close();
        try {
            drainFront();
            drainLanes();
        } finally {
            setIdle(); // CLOSED|SCHEDULED → CLOSED
        }
        drainIfClosed();
    }

    private void drainFront() {
        ArrayDeque<M> f = front;
        front = null;
        if (f != null) {
            for (M m : f) {
                consumer.deadLetter(m, "recipient stopped (unstashed, not yet handled)");
            }
        }
    }

    /** Holder of a closed mailbox's token: every queued message to dead letters, signals dropped. */
    private void drainLanes() {
        M m;
        while ((m = queue.poll()) != null) {
            consumer.deadLetter(m, "recipient stopped");
        }
        while (system.poll() != null) {
            // a terminated actor ignores signals
        }
    }

    /**
     * Something may have been appended after the last drain (a sender that raced the close):
     * whoever finds a lane non-empty claims the drain token and drains; repeated until both
     * stay empty. Any thread.
     */
    private void drainIfClosed() {
        while ((!queue.isEmpty() || !system.isEmpty()) && tryClaimDrain()) {
            try {
                drainLanes();
            } finally {
                setIdle();
            }
        }
    }

    // ---------------------------------------------------------------- refusal

    /**
     * The dispatcher will not run this activation. The caller holds the token for it. A first
     * refusal by a dispatcher with a fallback moves the activation there, where the actor stops
     * with the cause; otherwise (the runtime has shut down) the actor is abandoned.
     */
    @Override
    public void abandon(Throwable reason) {
        ActivationDispatcher fallback = dispatcher.fallback();
        if (fallback != null && refusal == null) {
            refusal = reason;
            dispatcher = fallback; // this and every later activation; handed on with the token
            fallback.execute(this);
            return;
        }
        try {
            consumer.abandonedAtShutdown(reason);
        } finally {
            closeAndDrain();
        }
    }

    @Override
    public String toString() {
        return "Mailbox[" + state() + ", " + queue.size() + " queued]";
    }
}
