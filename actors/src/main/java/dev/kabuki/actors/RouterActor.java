package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import dev.kabuki.scheduler.internal.PromiseHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor behind a {@link Router}: owner of the routee set and the only writer of its
 * published snapshot ({@link RouteeTable}). Messages do not pass through it once the snapshot
 * is published; it handles membership.
 *
 * <ul>
 *   <li>Pool: spawns its routees as children (named {@code routee-1}, {@code routee-2}, ...,
 *       never reused), with the routee options (their supervision: restart by default); a
 *       restarted routee keeps its address, so it stays a routee. Resizing spawns new children,
 *       or retires the newest: out of the snapshot at once, stopped once its mailbox is
 *       empty.</li>
 *   <li>Group: watches the refs it was given.</li>
 *   <li>Both: a routee that stops for good leaves the snapshot; with none left, the router
 *       actor stops itself. Stopping (for any reason) publishes the empty snapshot, so later
 *       messages go to dead letters naming the router.</li>
 * </ul>
 *
 * <p>Its own supervision is {@link SupervisorStrategy#stop()}: what could throw here is caught
 * (a factory that throws during a resize fails that resize), so a failure is a bug, and a
 * router that stops publishes no routees rather than a half-rebuilt set.
 *
 * <p>All fields are the actor's own state: touched only from its activations.
 */
final class RouterActor<M> implements Actor<RouterCommand> {
    private static final Logger LOG = LoggerFactory.getLogger(RouterActor.class);

    /** How often a retired routee's mailbox is looked at, and the wait before the first look. */
    static final Duration RETIRE_CHECK = Duration.ofMillis(10);

    /** The router actor's own options: stopped, not restarted, on failure (see the class note). */
    static final ActorOptions OPTIONS = ActorOptions.defaults().supervision(SupervisorStrategy.stop());

    private final RouteeTable table;
    /** Pool only: makes routees; null for a group. */
    private final Supplier<? extends Actor<M>> factory;
    private final ActorOptions routeeOptions;
    /** Pool only: the first routees' instances, made on the spawning thread; consumed by onStart. */
    private List<Actor<M>> firstInstances;
    /** The routees, oldest first. */
    private final List<ActorRef<M>> routees;
    /** Pool: routees retired by a shrink, not yet terminated. */
    private final Set<ActorRef<?>> retired = new HashSet<>();
    /** The array last handed to the table; rebuilt when {@code routees} changes. */
    private ActorRef<?>[] snapshot = RouteeTable.NONE;
    private int lastRouteeNumber;

    private RouterActor(RouteeTable table, Supplier<? extends Actor<M>> factory, ActorOptions routeeOptions,
                        List<Actor<M>> firstInstances, List<ActorRef<M>> routees) {
        this.table = table;
        this.factory = factory;
        this.routeeOptions = routeeOptions;
        this.firstInstances = firstInstances;
        this.routees = routees;
    }

    static <M> RouterActor<M> pool(RouteeTable table, Supplier<? extends Actor<M>> factory, ActorOptions routeeOptions,
                                   List<Actor<M>> firstInstances) {
        return new RouterActor<>(table, factory, routeeOptions, firstInstances, new ArrayList<>());
    }

    static <M> RouterActor<M> group(RouteeTable table, List<ActorRef<M>> routees) {
        return new RouterActor<>(table, null, null, null, new ArrayList<>(routees));
    }

    @Override
    public void onStart(ActorContext<RouterCommand> ctx) {
        if (factory != null) {
            List<Actor<M>> first = firstInstances;
            firstInstances = null;
            for (Actor<M> instance : first) {
                spawnRoutee(ctx, firstThen(instance, factory));
            }
        } else {
            for (ActorRef<M> r : routees) {
                ctx.watch(watchTarget(r)); // one already stopped fires at once: onTerminated drops it
            }
        }
        publish();
    }

    @Override
    public void receive(ActorContext<RouterCommand> ctx, RouterCommand command) {
        switch (command) {
            case RouterCommand.Forward f -> {
                try {
                    forward(ctx, f.message());
                } finally {
                    table.forwarded(snapshot); // always: a stuck count would keep every sender forwarding
                }
            }
            case RouterCommand.ForwardAsk a -> {
                try {
                    forwardAsk(ctx, a);
                } finally {
                    table.forwarded(snapshot);
                }
            }
            case RouterCommand.Resize r -> resize(ctx, r);
            case RouterCommand.StopWhenIdle s -> stopWhenIdle(ctx, s.routee());
            case RouterCommand.GetRoutees g -> g.replyTo().tell(List.copyOf(routees));
        }
    }

    @Override
    public void onTerminated(ActorContext<RouterCommand> ctx, ActorRef<?> actor) {
        retired.remove(actor);
        if (routees.removeIf(r -> watchTarget(r) == actor)) {
            publish();
            if (routees.isEmpty()) {
                LOG.debug("router {}: its last routee {} has stopped; stopping the router", ctx.self().path(), actor.path());
                ctx.stopSelf();
            }
        }
    }

    @Override
    public void onStop(ActorContext<RouterCommand> ctx) {
        table.close();
    }

    // ---------------------------------------------------------------- routing what came early

    private void forward(ActorContext<RouterCommand> ctx, Object message) {
        try {
            table.tell(snapshot, message, ctx.self());
        } catch (MailboxFullException full) {
            // The sender's tell has returned long ago: nobody to throw to.
            ctx.system().deadLetters().publish(message, ctx.self().path(),
                    "forwarded by router " + ctx.self().path() + ": " + full.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private void forwardAsk(ActorContext<RouterCommand> ctx, RouterCommand.ForwardAsk a) {
        ActorRef<?>[] current = snapshot;
        if (current.length == 0) {
            a.reply().fail(Router.noRouteesForAsk(ctx.self().path(), a.timeout()));
            return;
        }
        ActorRef<Object> routee = (ActorRef<Object>) current[table.select(current)];
        JoinHandle<Object> reply = routee.ask((Function<ActorRef<Object>, Object>) a.request(), a.timeout());
        reply.whenComplete((value, failure) -> completeFrom(a.reply(), value, failure));
    }

    /** Completes {@code promise} with another handle's outcome, keeping its kind. */
    static <T> void completeFrom(PromiseHandle<T> promise, T value, JoinException failure) {
        switch (failure) {
            case null -> promise.complete(value);
            case TaskFailedException f -> promise.fail(f.getCause() != null ? f.getCause() : f);
            case TaskTimeoutException t -> promise.timeOut(t.getMessage());
            case TaskCancelledException c -> promise.cancel(c.getMessage());
            default -> promise.fail(failure);
        }
    }

    // ---------------------------------------------------------------- membership

    private void resize(ActorContext<RouterCommand> ctx, RouterCommand.Resize r) {
        Object outcome;
        try {
            while (routees.size() < r.size()) {
                spawnRoutee(ctx, factory);
            }
            outcome = null;
        } catch (RuntimeException | Error e) {
            LOG.warn("router {}: growing to {} routees stopped at {}: the routee factory threw",
                    ctx.self().path(), r.size(), routees.size(), e);
            outcome = e;
        }
        while (routees.size() > r.size()) {
            ActorRef<M> newest = routees.remove(routees.size() - 1);
            retired.add(newest);
            ctx.scheduleOnce(RETIRE_CHECK, new RouterCommand.StopWhenIdle(newest));
        }
        publish();
        r.replyTo().tell(outcome != null ? outcome : List.copyOf(routees));
    }

    /**
     * A retired routee stops once its mailbox is empty, so messages routed to it before the
     * shrink are still handled. A sender that read the snapshot before the shrink and tells only
     * after the stop reaches a stopped actor: that message goes to dead letters.
     */
    private void stopWhenIdle(ActorContext<RouterCommand> ctx, ActorRef<?> routee) {
        if (!retired.contains(routee)) {
            return; // terminated meanwhile
        }
        if (routee.mailboxDepth() == 0) {
            retired.remove(routee);
            ctx.stop(routee);
        } else {
            ctx.scheduleOnce(RETIRE_CHECK, new RouterCommand.StopWhenIdle(routee));
        }
    }

    private void spawnRoutee(ActorContext<RouterCommand> ctx, Supplier<? extends Actor<M>> instances) {
        int number = lastRouteeNumber + 1;
        ActorRef<M> routee = ctx.spawn("routee-" + number, instances, routeeOptions);
        lastRouteeNumber = number;
        ctx.watch(routee);
        routees.add(routee);
    }

    private void publish() {
        snapshot = routees.toArray(new ActorRef<?>[0]);
        table.publish(snapshot);
    }

    /** What to watch for a routee: the actor itself, or a router's router actor. */
    static ActorRef<?> watchTarget(ActorRef<?> routee) {
        return routee instanceof Router<?> r ? r.routerActor() : routee;
    }

    /**
     * A factory whose first call returns {@code first} (made on the spawning thread, so that a
     * failing factory fails the spawn call) and whose later calls (restarts) make fresh ones.
     */
    private static <M> Supplier<Actor<M>> firstThen(Actor<M> first, Supplier<? extends Actor<M>> factory) {
        AtomicReference<Actor<M>> pending = new AtomicReference<>(first);
        return () -> {
            Actor<M> a = pending.getAndSet(null);
            return a != null ? a : factory.get();
        };
    }
}
