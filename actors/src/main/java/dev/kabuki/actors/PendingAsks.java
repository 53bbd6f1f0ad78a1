package dev.kabuki.actors;

import java.util.function.Consumer;

/**
 * The asks an actor has taken from its mailbox and not answered while it handled their request:
 * what it fails at once when it stops, or when it throws handling one of their requests again
 * (a stashed request, say). Created on the first such ask.
 *
 * <h2>Where an ask waits</h2>
 * An ask travels to its target with its request, as one entry of the ordinary lane
 * ({@link InternalMessage.Asked}, which the target unwraps for {@code receive}). So an ask is
 * always in exactly one place its target's stop can reach:
 * <ul>
 *   <li>in the mailbox: the stop's close-and-drain hands it to {@link ActorCell#deadLetter},
 *       which fails it; an offer that finds the mailbox closed fails it on the asking thread;</li>
 *   <li>being handled: a failure of {@code receive} fails it with the actor's exception
 *       ({@code ActorCell.receiveAsk}; a kept ask whose request was stashed and fails when
 *       handled again fails the same way, {@code ActorCell.failAskOf});</li>
 *   <li>handled but unanswered (the request was stashed, or the reply address handed on): here,
 *       and {@link #close} fails it.</li>
 * </ul>
 * An ask answered inside {@code receive}, the common case, never comes here, and no ask costs
 * its asker an atomic on a line the target writes: the mailbox append publishes it.
 *
 * <h2>Structure and thread-safety</h2>
 * A stack linked through {@link AskReplyRef#nextPending}, touched only by the actor's token
 * holder (one thread at a time, handed over through the mailbox status CAS, which orders each
 * holder's writes before the next holder's reads), so no field here is volatile. Removal is
 * lazy: a completed ask stays until a sweep, which the actor runs before it falls idle or
 * yields, once the stack has doubled since the last sweep: each sweep drops at least about half
 * of what it walks, O(1) amortized per ask, and at most about twice the waiting asks (plus
 * {@value #MIN_SWEEP_SIZE}) are retained.
 */
final class PendingAsks {
    /** Smallest size that triggers a sweep. */
    static final int MIN_SWEEP_SIZE = 64;

    private AskReplyRef<?> head;
    private int size;
    private int sweepAt = MIN_SWEEP_SIZE;
    private boolean closed;

    /**
     * Keeps an ask its actor has handled without answering. Token holder.
     *
     * @return {@code false} if the actor has stopped ({@link #close}d): the caller fails the ask
     */
    boolean add(AskReplyRef<?> ask) {
        if (closed) {
            return false;
        }
        ask.nextPending = head;
        head = ask;
        size++;
        return true;
    }

    /** Drops completed asks if the stack has doubled since the last sweep. Token holder. */
    void sweepIfDue() {
        if (size < sweepAt) {
            return;
        }
        AskReplyRef<?> liveHead = null;
        AskReplyRef<?> liveTail = null;
        int live = 0;
        for (AskReplyRef<?> a = head; a != null; ) {
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
        head = liveHead;
        size = live;
        sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * live);
    }

    /** Runs {@code action} on every kept ask, completed or not. Token holder. */
    void forEach(Consumer<AskReplyRef<?>> action) {
        for (AskReplyRef<?> a = head; a != null; a = a.nextPending) {
            action.accept(a);
        }
    }

    /**
     * Closes for good and runs {@code action} on every kept ask; later {@link #add}s fail.
     * Token holder, once.
     */
    void close(Consumer<AskReplyRef<?>> action) {
        closed = true;
        AskReplyRef<?> h = head;
        head = null;
        size = 0;
        for (AskReplyRef<?> a = h; a != null; a = a.nextPending) {
            action.accept(a);
        }
    }

    /** Kept asks, completed or not, until the next sweep. Token holder. */
    int size() {
        return size;
    }
}
