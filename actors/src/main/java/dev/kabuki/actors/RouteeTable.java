package dev.kabuki.actors;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The routees of one {@link Router}: a state word every sender reads on every message and only
 * the router actor replaces, the counter that round robin and the smallest-mailbox tie-break
 * turn, and the choice of a routee. Routing itself runs on the sender's thread.
 *
 * <h2>State</h2>
 * {@code state} holds one of:
 * <ul>
 *   <li>a {@link Starting}: a pool whose router actor has not published its routees yet, or has
 *       not yet forwarded every message senders handed it meanwhile; {@code pending} counts
 *       those messages. Senders in this phase hand their message to the router actor
 *       ({@link RouterCommand.Forward}), which routes it.</li>
 *   <li>an {@code ActorRef<?>[]}: the routees, routed to directly by the sender. Empty: none is
 *       left (all stopped, or the router actor is stopping or has stopped).</li>
 * </ul>
 * Transitions, each one volatile write or CAS:
 * <ol>
 *   <li>{@code Starting(n) -> Starting(n+1)}: a sender, by CAS, before it tells the router
 *       actor a {@code Forward} ({@link #tryEnterForward}).</li>
 *   <li>{@code Starting(n) -> Starting(n-1)}, or {@code Starting(1) -> array}: the router actor,
 *       by CAS, after it has routed one forwarded message ({@link #forwarded}).</li>
 *   <li>{@code Starting(0) -> array}, {@code array -> array}: the router actor publishing a new
 *       set of routees ({@link #publish}: started, resized, a routee stopped). While
 *       {@code Starting(n > 0)} it does not publish: the last forward does.</li>
 *   <li>{@code anything -> empty array}: the router actor stopping ({@link #close}).</li>
 * </ol>
 * Never {@code array -> Starting}. A group router starts with its array: it never forwards.
 *
 * <h2>Who writes what</h2>
 * Senders write {@code state} only by CAS from a {@code Starting}; once an array is installed,
 * the router actor is its only writer, from its activations, which run one at a time (the
 * mailbox token orders them). {@code next}: any sender, by atomic add.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>A published array is never written again: each change publishes a fresh copy.</li>
 *   <li>While a message handed to the router actor is not yet routed, the state is a
 *       {@code Starting}: a message routed directly never overtakes an earlier message of the
 *       same sender that went through the router actor.</li>
 * </ol>
 *
 * <h2>Memory ordering</h2>
 * {@code state} is read with acquire and written with release or CAS. The router actor fills
 * an array before the release that publishes it, so a sender that reads the reference sees the
 * routees in it (invariant 1 means no later write can race that read). Per-sender FIFO across
 * the handover (invariant 2): a sender's forwarded message {@code m1} raised the count by a CAS
 * that precedes, in program order, the same sender's later read of {@code state} for
 * {@code m2}. If that read sees an array, the CAS that installed it comes after the raise in
 * the modification order of {@code state}; that CAS takes the count from 1 (or 0 at a publish)
 * to the array, and the router actor lowers the count only after it has appended a forwarded
 * message to its routee's mailbox; so {@code m1} was appended before {@code m2} is, and a
 * mailbox keeps append order.
 *
 * <p>The round-robin counter shares a cache line with {@code state}: a sender that adds to the
 * counter owns the line, so its read of {@code state} costs nothing more.
 */
final class RouteeTable {
    private static final VarHandle STATE;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(RouteeTable.class, "state", Object.class);
            NEXT = l.findVarHandle(RouteeTable.class, "next", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** No routees: the state of a stopped router. */
    static final ActorRef<?>[] NONE = new ActorRef<?>[0];

    /** A pool before its routees are published; {@code pending}: forwards not yet routed. */
    record Starting(int pending) {
    }

    private static final Starting STARTING = new Starting(0);

    private final RoutingLogic logic;
    private final DeadLetters deadLetters;
    /** A {@link Starting} or an {@code ActorRef<?>[]}; see the class note. */
    private volatile Object state;
    /** Round-robin position, and the smallest-mailbox scan's rotating start. */
    private volatile long next;

    private RouteeTable(RoutingLogic logic, DeadLetters deadLetters, Object state) {
        this.logic = logic;
        this.deadLetters = deadLetters;
        this.state = state;
    }

    /** A pool's table: routees come later, from the router actor. */
    static RouteeTable starting(RoutingLogic logic, DeadLetters deadLetters) {
        return new RouteeTable(logic, deadLetters, STARTING);
    }

    /** A group's table: its routees are known at once. */
    static RouteeTable of(RoutingLogic logic, DeadLetters deadLetters, ActorRef<?>[] routees) {
        return new RouteeTable(logic, deadLetters, routees.clone());
    }

    RoutingLogic logic() {
        return logic;
    }

    /** The current state (acquire): a {@link Starting} or an {@code ActorRef<?>[]}. */
    Object state() {
        return STATE.getAcquire(this);
    }

    // ---------------------------------------------------------------- senders

    /**
     * A sender that read {@code seen}, a {@link Starting}, claims a forward: on true it must tell
     * the router actor one {@link RouterCommand.Forward} or {@link RouterCommand.ForwardAsk}. On
     * false the state has changed: read it again.
     */
    boolean tryEnterForward(Object seen) {
        return seen instanceof Starting s && STATE.compareAndSet(this, seen, new Starting(s.pending() + 1));
    }

    /** The index of the routee the next message goes to; {@code routees} is not empty. */
    int select(ActorRef<?>[] routees) {
        int n = routees.length;
        if (n == 1) {
            return 0;
        }
        int start = (int) (((long) NEXT.getAndAdd(this, 1L) & Long.MAX_VALUE) % n);
        if (logic == RoutingLogic.ROUND_ROBIN) {
            return start;
        }
        int best = start;
        int bestDepth = routees[start].mailboxDepth();
        for (int k = 1; k < n && bestDepth > 0; k++) {
            int i = start + k < n ? start + k : start + k - n;
            int depth = routees[i].mailboxDepth();
            if (depth < bestDepth) {
                best = i;
                bestDepth = depth;
            }
        }
        return best;
    }

    /**
     * Routes a message (a {@link Broadcast}: its content to every routee) to {@code routees}, a
     * published array; none: to dead letters, naming the router. Throws what the routee's
     * {@code tell} throws ({@link MailboxFullException}); a broadcast tells every other routee
     * first.
     */
    @SuppressWarnings("unchecked")
    void tell(ActorRef<?>[] routees, Object message, ActorRef<?> router) {
        if (routees.length == 0) {
            noRoutees(message, router);
        } else if (message instanceof Broadcast<?> b) {
            broadcast(routees, b.message());
        } else {
            ((ActorRef<Object>) routees[select(routees)]).tell(message);
        }
    }

    /** {@link #tell}, as {@code tryTell}: false if no routee, or not every routee, took it. */
    @SuppressWarnings("unchecked")
    boolean tryTell(ActorRef<?>[] routees, Object message, ActorRef<?> router) {
        if (routees.length == 0) {
            noRoutees(message, router);
            return false;
        }
        if (message instanceof Broadcast<?> b) {
            boolean all = true;
            for (ActorRef<?> r : routees) {
                all &= ((ActorRef<Object>) r).tryTell(b.message());
            }
            return all;
        }
        return ((ActorRef<Object>) routees[select(routees)]).tryTell(message);
    }

    @SuppressWarnings("unchecked")
    private static void broadcast(ActorRef<?>[] routees, Object message) {
        MailboxFullException full = null;
        for (ActorRef<?> r : routees) {
            try {
                ((ActorRef<Object>) r).tell(message);
            } catch (MailboxFullException e) {
                if (full == null) {
                    full = e;
                } else {
                    full.addSuppressed(e);
                }
            }
        }
        if (full != null) {
            throw full;
        }
    }

    void noRoutees(Object message, ActorRef<?> router) {
        deadLetters.publish(message, router.path(), "router " + router.path() + " has no routees");
    }

    // ---------------------------------------------------------------- the router actor

    /**
     * The router actor has routed one forwarded message; {@code current}: its routees now,
     * installed if that was the last one pending.
     */
    void forwarded(ActorRef<?>[] current) {
        for (;;) {
            Object s = state;
            if (!(s instanceof Starting st)) {
                return; // closed meanwhile
            }
            Object next = st.pending() <= 1 ? current : new Starting(st.pending() - 1);
            if (STATE.compareAndSet(this, s, next)) {
                return;
            }
        }
    }

    /**
     * Publishes the router actor's routees: now, unless forwarded messages are still pending (the
     * last of them publishes then, see {@link #forwarded}).
     */
    void publish(ActorRef<?>[] current) {
        for (;;) {
            Object s = state;
            if (s instanceof Starting st && st.pending() > 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, current)) {
                return;
            }
        }
    }

    /** The router actor is stopping: no routee from now on, whatever was pending. */
    void close() {
        STATE.setRelease(this, NONE);
        // A sender's CAS from a Starting can no longer succeed: it expects the old value.
    }
}
