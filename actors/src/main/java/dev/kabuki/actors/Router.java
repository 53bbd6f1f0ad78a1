package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.internal.PromiseHandle;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * An {@link ActorRef} that hands each message to one of its routees: a worker pool or a group of
 * existing actors. Made by {@link Routers#pool} or {@link Routers#group}.
 *
 * <pre>{@code
 * sealed interface WordMsg permits Count, Total {}
 * record Count(String line) implements WordMsg {}
 * record Total(ActorRef<Integer> replyTo) implements WordMsg {}
 *
 * final class WordCounter implements Actor<WordMsg> {
 *     private int words;
 *     @Override public void receive(ActorContext<WordMsg> ctx, WordMsg msg) {
 *         switch (msg) {
 *             case Count c -> words += c.line().split("\\s+").length;
 *             case Total t -> t.replyTo().tell(words);
 *         }
 *     }
 * }
 *
 * Router<WordMsg> counters = Routers.pool(4, WordCounter::new).spawn(system, "counters");
 * lines.forEach(line -> counters.tell(new Count(line)));   // each line to one counter
 * counters.tell(new Broadcast<>(new Total(collector)));     // every counter reports its total
 * }</pre>
 *
 * <h2>Routing</h2>
 * Routing happens on the sender's thread with no extra hop: {@link #tell} reads the router's
 * current snapshot of routees (one volatile read) and tells one routee directly, chosen by the
 * router's {@link RoutingLogic}. A {@link Broadcast} (or {@link #broadcast}) goes to every
 * routee of the snapshot. Behind the router is a <em>router actor</em>, at {@link #path()},
 * which owns the routees and publishes a new snapshot when they change; messages do not pass
 * through it, with one exception: a pool's messages sent before its router actor has spawned
 * the routees (an instant after {@code spawn}) are forwarded by it, in order, and direct routing
 * begins once they are all routed.
 *
 * <h2>Thread safety, blocking</h2>
 * Any thread may send, and may call every method. No method blocks.
 *
 * <h2>Ordering</h2>
 * No ordering across routees: two messages from one sender may go to two routees and be handled
 * in either order. Messages from one sender that go to the same routee arrive in send order
 * (per-sender FIFO holds per routee), including across the start of a pool.
 *
 * <h2>No routees</h2>
 * When no routee is left (a pool's or group's routees have all stopped, or the router actor has
 * stopped), a message goes to dead letters ({@link ActorSystem#deadLetters()}), recipient the
 * router's path, reason {@code router <path> has no routees}; {@link #tryTell} returns false;
 * an {@link #ask} fails at once with an {@link ActorTerminatedException} cause. A router whose
 * last routee stops for good stops its router actor.
 *
 * <h2>Supervision</h2>
 * A pool's routees are children of the router actor, supervised by the routee options'
 * strategy (default {@link SupervisorStrategy#restart()}): a restarted routee keeps its place;
 * one that stops for good (its strategy says stop, too many restarts) leaves the snapshot. A
 * group's routees are not the router's: they are only watched, and a stopped one leaves the
 * snapshot. Stopping a pool router stops its routees; stopping a group router does not.
 *
 * <h2>Where it differs from an actor</h2>
 * {@link #routees()} is empty until a pool's router actor has started. {@link #mailboxDepth()}
 * is the sum over the routees. {@code path()} and {@code name()} are the router actor's.
 *
 * @param <M> the routees' message type
 */
public final class Router<M> implements ActorRef<M> {
    /** A resize is an ask to the router actor, which answers at once: this bounds a wedged one. */
    private static final Duration RESIZE_TIMEOUT = Duration.ofMinutes(1);

    private final RouteeTable table;
    private final ActorRef<RouterCommand> routerActor;
    private final ActorSystem system;
    private final boolean pool;

    Router(RouteeTable table, ActorRef<RouterCommand> routerActor, ActorSystem system, boolean pool) {
        this.table = table;
        this.routerActor = routerActor;
        this.system = system;
        this.pool = pool;
    }

    /**
     * Sends {@code message} to one routee (to every routee if it is a {@link Broadcast}).
     * Any thread; never blocks. With no routee it goes to dead letters.
     *
     * @throws NullPointerException {@code message} is null
     * @throws MailboxFullException the chosen routee has a full bounded mailbox with the
     *                              {@code FAIL} policy (a broadcast first tells every other routee)
     */
    @Override
    public void tell(M message) {
        send(Objects.requireNonNull(message, "message"));
    }

    /** Sends {@code broadcast.message()} to every routee; see {@link #tell(Object)}. */
    public void tell(Broadcast<M> broadcast) {
        send(Objects.requireNonNull(broadcast, "broadcast"));
    }

    /** Sends {@code message} to every routee: {@code tell(new Broadcast<>(message))}. */
    public void broadcast(M message) {
        send(new Broadcast<>(message));
    }

    private void send(Object message) {
        Object s = table.state();
        while (!(s instanceof ActorRef<?>[] routees)) {
            if (table.tryEnterForward(s)) {
                routerActor.tell(new RouterCommand.Forward(message));
                return;
            }
            s = table.state();
        }
        table.tell(routees, message, routerActor);
    }

    /**
     * Sends {@code message} to one routee (every routee for a {@link Broadcast}) if it can take
     * it now. Any thread; never blocks.
     *
     * @return false if there is no routee (the message then goes to dead letters), or the chosen
     *         routee (for a broadcast: any routee) is stopped or has a full bounded mailbox; true
     *         if a pool's router actor, not started yet, took it to forward
     */
    @Override
    public boolean tryTell(M message) {
        Objects.requireNonNull(message, "message");
        Object s = table.state();
        while (!(s instanceof ActorRef<?>[] routees)) {
            if (table.tryEnterForward(s)) {
                return routerActor.tryTell(new RouterCommand.Forward(message));
            }
            s = table.state();
        }
        return table.tryTell(routees, message, routerActor);
    }

    /**
     * Asks one routee: the same as {@link ActorRef#ask} on the routee chosen by the routing
     * logic (its failures name that routee). With no routee the handle fails at once with an
     * {@link ActorTerminatedException} cause. An ask is never broadcast. Any thread; never blocks.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ask timeout must be positive, got " + timeout);
        }
        Object s = table.state();
        if (!(s instanceof ActorRef<?>[])) {
            JoinHandle<R> forwarded = askWhileStarting(request, timeout);
            if (forwarded != null) {
                return forwarded;
            }
            s = table.state(); // published meanwhile: route it here
        }
        ActorRef<?>[] routees = (ActorRef<?>[]) s;
        if (routees.length == 0) {
            PromiseHandle<R> failed = new PromiseHandle<>(system.timer());
            failed.fail(noRouteesForAsk(path(), timeout));
            return failed;
        }
        return ((ActorRef<M>) routees[table.select(routees)]).ask(request, timeout);
    }

    /**
     * An ask made before a pool's routees are published: the router actor asks one routee for
     * it. The handle's timeout runs from now. Null if the routees were published meanwhile.
     */
    @SuppressWarnings("unchecked")
    private <R> JoinHandle<R> askWhileStarting(Function<ActorRef<R>, ? extends M> request, Duration timeout) {
        PromiseHandle<R> reply = new PromiseHandle<>(system.timer(), null, system.currentThreadDispatcher());
        try {
            reply.orTimeout(timeout); // also bounds an ask the router actor never gets to (it stopped)
        } catch (RejectedExecutionException shutDown) {
            reply.fail(shutDown);
            return reply;
        }
        Object s = table.state();
        while (!(s instanceof ActorRef<?>[])) {
            if (table.tryEnterForward(s)) {
                routerActor.tell(new RouterCommand.ForwardAsk((Function<ActorRef<Object>, ?>) (Function<?, ?>) request,
                        timeout, (PromiseHandle<Object>) (PromiseHandle<?>) reply));
                return reply;
            }
            s = table.state();
        }
        reply.cancel("not used: the router's routees were published"); // releases its timer entry
        return null;
    }

    static ActorTerminatedException noRouteesForAsk(String routerPath, Duration timeout) {
        return new ActorTerminatedException("the ask to router " + routerPath + " (timeout " + timeout.toMillis()
                + " ms) was not sent: the router has no routees (they have stopped, or the router has)");
    }

    /** The router actor's path, e.g. {@code /user/workers}; a pool's routees are its children. */
    @Override
    public String path() {
        return routerActor.path();
    }

    /** The router actor's name, the last element of {@link #path()}. */
    @Override
    public String name() {
        return routerActor.name();
    }

    /**
     * The sum of the routees' mailbox depths (for a pool not started yet: the messages waiting
     * to be forwarded). O(n) in the routees; any thread; never blocks; a snapshot.
     */
    @Override
    public int mailboxDepth() {
        Object s = table.state();
        if (s instanceof RouteeTable.Starting st) {
            return st.pending();
        }
        long sum = 0;
        for (ActorRef<?> r : (ActorRef<?>[]) s) {
            sum += r.mailboxDepth();
        }
        return (int) Math.min(sum, Integer.MAX_VALUE);
    }

    /**
     * The routees messages go to now, oldest first: an immutable snapshot (a resize or a stop
     * does not change a list already returned). Empty when no routee is left, and for a pool
     * until its router actor has spawned the routees. Any thread; never blocks.
     */
    @SuppressWarnings("unchecked")
    public List<ActorRef<M>> routees() {
        Object s = table.state();
        if (s instanceof ActorRef<?>[] routees) {
            return (List<ActorRef<M>>) (List<?>) List.of(routees);
        }
        return List.of();
    }

    /** How this router picks a routee. */
    public RoutingLogic routingLogic() {
        return table.logic();
    }

    /**
     * Grows or shrinks a pool to {@code size} routees. Growing spawns routees from the pool's
     * factory (on the router actor's thread) and adds them to the snapshot; shrinking takes the
     * newest routees out of the snapshot at once and stops each once its mailbox is empty (it
     * handles what it already has; a message a sender routed to it from the old snapshot after
     * it stopped goes to dead letters). Any thread; never blocks.
     *
     * @return completes with the new routees once the snapshot is published; fails with the
     *         factory's exception if growing stopped there (the routees made before it stay), or
     *         with an {@link ActorTerminatedException} cause if the router has stopped
     * @throws IllegalStateException    this is a group router: its routees are given, not made
     * @throws IllegalArgumentException {@code size} is less than 1
     */
    @SuppressWarnings("unchecked")
    public JoinHandle<List<ActorRef<M>>> resize(int size) {
        if (!pool) {
            throw new IllegalStateException("cannot resize router " + path()
                    + ": a group's routees are given, not made; spawn another group to change them");
        }
        if (size < 1) {
            throw new IllegalArgumentException("a pool router needs at least 1 routee, got " + size);
        }
        PromiseHandle<List<ActorRef<M>>> result = new PromiseHandle<>(system.timer(), null, system.currentThreadDispatcher());
        routerActor.<Object>ask(replyTo -> new RouterCommand.Resize(size, replyTo), RESIZE_TIMEOUT)
                .whenComplete((outcome, failure) -> {
                    if (outcome instanceof Throwable t) {
                        result.fail(t);
                    } else {
                        RouterActor.completeFrom(result, (List<ActorRef<M>>) outcome, failure);
                    }
                });
        return result;
    }

    @Override
    public String toString() {
        return "Router[" + path() + ", " + table.logic() + ", " + routeesForToString() + "]";
    }

    private String routeesForToString() {
        Object s = table.state();
        return s instanceof ActorRef<?>[] r ? r.length + " routees" : "starting";
    }

    // ---------------------------------------------------------------- package-private

    /**
     * The actor behind this router: what {@code system.stop}, {@code ctx.stop} and
     * {@code ctx.watch} act on when given the router.
     */
    ActorRef<?> routerActor() {
        return routerActor;
    }

    /** The system the router runs in. */
    ActorSystem system() {
        return system;
    }

    /** Stops the router actor (a pool's routees with it); asynchronous. */
    void stop() {
        system.stop(routerActor);
    }

    /** The router actor's own routee list, once it has started (tests). */
    @SuppressWarnings("unchecked")
    JoinHandle<List<ActorRef<M>>> routeesFromRouterActor(Duration timeout) {
        return routerActor.<List<ActorRef<M>>>ask(
                replyTo -> new RouterCommand.GetRoutees((ActorRef<List<ActorRef<?>>>) (ActorRef<?>) replyTo), timeout);
    }

    /** For tests and dumps: whether senders route directly (the snapshot is published). */
    boolean routesDirectly() {
        return table.state() instanceof ActorRef<?>[];
    }
}
