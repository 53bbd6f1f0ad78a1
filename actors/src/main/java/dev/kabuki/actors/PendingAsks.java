package dev.kabuki.actors;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The asks sent to one actor that may still wait for its reply: what the actor fails at once
 * when it stops, or when it throws processing an ask's request. Created on an actor's first ask.
 *
 * <h2>Structure</h2>
 * A Treiber stack of {@link AskReplyRef}s linked through their {@code nextPending}, each push
 * recording the stack's depth in the pushed node. Removal is lazy: a completed ask just stays
 * until the actor sweeps, so completing an ask touches nothing here (a
 * {@code ConcurrentHashMap} set cost an insert and a remove, each with a shared counter, per
 * ask). The actor sweeps at the end of an activation once the depth has doubled since the last
 * sweep, so each sweep removes at least about half of what it walks: O(1) amortized per ask,
 * and never more than about twice the live asks (plus 64) retained.
 *
 * <h2>Who writes what</h2>
 * <ul>
 *   <li>Any asking thread pushes (CAS on {@code head}); it writes its node's
 *       {@code nextPending} and {@code depth} before the CAS publishes them.</li>
 *   <li>Only the mailbox token holder (one thread at a time, handed over through the mailbox
 *       status CAS) sweeps, walks, or closes. It detaches the whole stack with a get-and-set,
 *       relinks the live nodes privately and pushes them back as one chain with a CAS, so it
 *       never races a push on an interior link.</li>
 *   <li>{@link #close} swaps in {@link #CLOSED} for good: a push that finds it fails, and its
 *       asker fails the ask itself, so no ask is left waiting on a stopped actor.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * Every change of {@code head} is a CAS or get-and-set, so they are totally ordered; the
 * token holder's volatile read (or get-and-set) of {@code head} sees every node pushed before,
 * with the fields written before its push.
 */
final class PendingAsks {
    /** {@code head} once the actor has stopped: pushes fail. */
    static final AskReplyRef<Object> CLOSED = new AskReplyRef<>(null, null, Duration.ZERO);
    /** Smallest depth that triggers a sweep. */
    static final int MIN_SWEEP_DEPTH = 64;

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(PendingAsks.class, "head", AskReplyRef.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through HEAD
    private volatile AskReplyRef<?> head;
    /** Token holder only: sweep once the depth reaches this. */
    private int sweepAt = MIN_SWEEP_DEPTH;

    /**
     * Registers an ask. Any thread.
     *
     * @return {@code false} if the actor has stopped: the caller must fail the ask
     */
    boolean add(AskReplyRef<?> ask) {
        for (;;) {
            AskReplyRef<?> h = (AskReplyRef<?>) HEAD.getVolatile(this);
            if (h == CLOSED) {
                return false;
            }
            ask.nextPending = h;
            ask.depth = h == null ? 1 : h.depth + 1;
            if (HEAD.compareAndSet(this, h, ask)) {
                return true;
            }
        }
    }

    /** Drops completed asks if the stack has grown enough since the last sweep. Token holder. */
    void sweepIfDue() {
        AskReplyRef<?> h = (AskReplyRef<?>) HEAD.getVolatile(this);
        if (h == null || h == CLOSED || h.depth < sweepAt) {
            return;
        }
        h = (AskReplyRef<?>) HEAD.getAndSet(this, null);
        AskReplyRef<?> liveHead = null;
        AskReplyRef<?> liveTail = null;
        int live = 0;
        for (AskReplyRef<?> a = h; a != null; ) {
            AskReplyRef<?> next = a.nextPending;
            a.nextPending = null;
            if (!a.isFinished()) {
                if (liveTail == null) {
                    liveHead = a;
                } else {
                    liveTail.nextPending = a;
                }
                liveTail = a;
                live++;
            }
            a = next;
        }
        int depth = live;
        if (liveHead != null) {
            for (;;) { // push the live chain back under whatever was pushed meanwhile
                AskReplyRef<?> cur = (AskReplyRef<?>) HEAD.getVolatile(this);
                liveTail.nextPending = cur;
                depth = live + (cur == null ? 0 : cur.depth);
                liveHead.depth = depth;
                if (HEAD.compareAndSet(this, cur, liveHead)) {
                    break;
                }
            }
        }
        sweepAt = Math.max(MIN_SWEEP_DEPTH, 2 * depth);
    }

    /** Runs {@code action} on every registered ask, completed or not. Token holder. */
    void forEach(Consumer<AskReplyRef<?>> action) {
        for (AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getVolatile(this); a != null && a != CLOSED; a = a.nextPending) {
            action.accept(a);
        }
    }

    /**
     * Closes for good and runs {@code action} on every ask registered before; later
     * {@link #add}s fail. Token holder, once.
     */
    void close(Consumer<AskReplyRef<?>> action) {
        AskReplyRef<?> h = (AskReplyRef<?>) HEAD.getAndSet(this, CLOSED);
        for (AskReplyRef<?> a = h; a != null && a != CLOSED; a = a.nextPending) {
            action.accept(a);
        }
    }

    /** Registered asks, completed or not (tests). Token holder, or a quiet actor. */
    int size() {
        int n = 0;
        for (AskReplyRef<?> a = (AskReplyRef<?>) HEAD.getVolatile(this); a != null && a != CLOSED; a = a.nextPending) {
            n++;
        }
        return n;
    }
}
