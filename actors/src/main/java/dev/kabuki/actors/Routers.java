package dev.kabuki.actors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Makes {@link Router}s: a <em>pool</em> of routees spawned from one factory, or a
 * <em>group</em> over actors that already exist. A message to the router goes to one routee; a
 * {@link Broadcast} goes to all.
 *
 * <pre>{@code
 * sealed interface WordMsg permits Count, Total {}
 * record Count(String line) implements WordMsg {}
 * record Total(ActorRef<Integer> replyTo) implements WordMsg {}
 *
 * Router<WordMsg> counters = Routers.pool(4, WordCounter::new)
 *         .withSmallestMailboxRouting()
 *         .spawn(system, "counters");                      // /user/counters, routees /user/counters/routee-1..4
 * counters.tell(new Count("to be or not to be"));          // one routee
 * counters.broadcast(new Total(collector));                // every routee
 * counters.resize(8);                                      // a pool grows and shrinks by a call
 *
 * Router<WordMsg> both = Routers.group(List.of(left, right)).spawn(system, "both");
 * }</pre>
 *
 * <p>The builders are not thread-safe (use one from one thread); the routers they spawn are.
 */
public final class Routers {

    private Routers() {
    }

    /**
     * A pool of {@code size} routees made by {@code factory}: round robin, default routee
     * options, until set otherwise.
     *
     * @throws IllegalArgumentException {@code size} is less than 1
     * @throws NullPointerException     {@code factory} is null
     */
    public static <M> PoolBuilder<M> pool(int size, Supplier<? extends Actor<M>> factory) {
        if (size < 1) {
            throw new IllegalArgumentException("a pool router needs at least 1 routee, got " + size);
        }
        return new PoolBuilder<>(size, Objects.requireNonNull(factory, "factory"));
    }

    /**
     * A group over existing actors (copied: later changes to the collection do not matter),
     * round robin until set otherwise. A ref may appear more than once: it then gets that many
     * shares.
     *
     * @throws IllegalArgumentException {@code routees} is empty
     * @throws NullPointerException     {@code routees} or one of them is null
     */
    public static <M> GroupBuilder<M> group(Collection<? extends ActorRef<M>> routees) {
        List<ActorRef<M>> copy = List.copyOf(routees); // rejects null elements
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a group router needs at least 1 routee");
        }
        return new GroupBuilder<>(copy);
    }

    /**
     * Configures and spawns a pool router. The routees are children of the router actor, named
     * {@code routee-1}, {@code routee-2}, ... (a number is never reused), each spawned with the
     * routee options; their supervision strategy (default {@link SupervisorStrategy#restart()})
     * decides what a failing routee does. A routee that stops for good leaves the pool; when the
     * last one has, the router stops. {@link Router#resize} changes the size.
     *
     * @param <M> the routees' message type
     */
    public static final class PoolBuilder<M> {
        private final int size;
        private final Supplier<? extends Actor<M>> factory;
        private RoutingLogic logic = RoutingLogic.ROUND_ROBIN;
        private ActorOptions routeeOptions = ActorOptions.defaults();

        private PoolBuilder(int size, Supplier<? extends Actor<M>> factory) {
            this.size = size;
            this.factory = factory;
        }

        /** Each routee in turn ({@link RoutingLogic#ROUND_ROBIN}). The default. */
        public PoolBuilder<M> withRoundRobinRouting() {
            logic = RoutingLogic.ROUND_ROBIN;
            return this;
        }

        /** The routee with the fewest waiting messages ({@link RoutingLogic#SMALLEST_MAILBOX}). */
        public PoolBuilder<M> withSmallestMailboxRouting() {
            logic = RoutingLogic.SMALLEST_MAILBOX;
            return this;
        }

        /**
         * How every routee is spawned: mailbox, dispatcher ({@code runOnBlockingDispatcher()} for
         * routees that block), throughput, supervision. Default {@link ActorOptions#defaults()}:
         * unbounded mailbox, core dispatcher, restart on failure. A routee class tagged
         * {@link Blocking} runs on the blocking dispatcher either way.
         */
        public PoolBuilder<M> withRouteeOptions(ActorOptions options) {
            routeeOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Spawns the router as a top-level actor, {@code /user/<name>}. The first routee
         * instances are made by the factory here, on the calling thread (an exception from it
         * is thrown here and nothing is spawned); the router actor then spawns them as its
         * children. Never blocks (unless the factory does).
         *
         * @throws IllegalArgumentException the name is invalid or taken
         * @throws IllegalStateException    the system is shut down
         */
        public Router<M> spawn(ActorSystem system, String name) {
            Objects.requireNonNull(system, "system");
            ActorSystem.validateName(name);
            List<Actor<M>> first = firstInstances();
            RouteeTable table = RouteeTable.starting(logic, system.deadLetters());
            ActorRef<RouterCommand> actor = system.spawnActor(name,
                    () -> RouterActor.pool(table, factory, routeeOptions, first), RouterActor.OPTIONS);
            return new Router<>(table, actor, system, true);
        }

        /**
         * Spawns the router as a child of the actor whose context this is ({@code ctx} is used
         * on its own thread only, as always); otherwise as {@link #spawn(ActorSystem, String)}.
         *
         * @throws IllegalArgumentException the name is invalid or a sibling has it
         */
        public Router<M> spawn(ActorContext<?> ctx, String name) {
            Objects.requireNonNull(ctx, "ctx");
            ActorSystem.validateName(name);
            List<Actor<M>> first = firstInstances();
            RouteeTable table = RouteeTable.starting(logic, ctx.system().deadLetters());
            ActorRef<RouterCommand> actor = ctx.spawn(name,
                    () -> RouterActor.pool(table, factory, routeeOptions, first), RouterActor.OPTIONS);
            return new Router<>(table, actor, ctx.system(), true);
        }

        private List<Actor<M>> firstInstances() {
            List<Actor<M>> first = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                first.add(Objects.requireNonNull(factory.get(), "the routee factory returned null"));
            }
            return first;
        }
    }

    /**
     * Configures and spawns a group router over existing actors. The router watches them; one
     * that stops leaves the group, and when none is left the router stops. The routees are not
     * the router's children: stopping the router leaves them running. A group cannot be
     * resized.
     *
     * @param <M> the routees' message type
     */
    public static final class GroupBuilder<M> {
        private final List<ActorRef<M>> routees;
        private RoutingLogic logic = RoutingLogic.ROUND_ROBIN;

        private GroupBuilder(List<ActorRef<M>> routees) {
            this.routees = routees;
        }

        /** Each routee in turn ({@link RoutingLogic#ROUND_ROBIN}). The default. */
        public GroupBuilder<M> withRoundRobinRouting() {
            logic = RoutingLogic.ROUND_ROBIN;
            return this;
        }

        /** The routee with the fewest waiting messages ({@link RoutingLogic#SMALLEST_MAILBOX}). */
        public GroupBuilder<M> withSmallestMailboxRouting() {
            logic = RoutingLogic.SMALLEST_MAILBOX;
            return this;
        }

        /**
         * Spawns the router as a top-level actor, {@code /user/<name>}. Messages are routed from
         * the moment this returns. Never blocks.
         *
         * @throws IllegalArgumentException the name is invalid or taken, or a routee is not an
         *                                  actor (or router) of {@code system}
         * @throws IllegalStateException    the system is shut down
         */
        public Router<M> spawn(ActorSystem system, String name) {
            Objects.requireNonNull(system, "system");
            RouteeTable table = RouteeTable.of(logic, system.deadLetters(), checked(system));
            ActorRef<RouterCommand> actor = system.spawnActor(name,
                    () -> RouterActor.group(table, routees), RouterActor.OPTIONS);
            return new Router<>(table, actor, system, false);
        }

        /**
         * Spawns the router as a child of the actor whose context this is; otherwise as
         * {@link #spawn(ActorSystem, String)}.
         *
         * @throws IllegalArgumentException the name is invalid or a sibling has it, or a routee
         *                                  is not an actor (or router) of this system
         */
        public Router<M> spawn(ActorContext<?> ctx, String name) {
            Objects.requireNonNull(ctx, "ctx");
            RouteeTable table = RouteeTable.of(logic, ctx.system().deadLetters(), checked(ctx.system()));
            ActorRef<RouterCommand> actor = ctx.spawn(name,
                    () -> RouterActor.group(table, routees), RouterActor.OPTIONS);
            return new Router<>(table, actor, ctx.system(), false);
        }

        /** The routees, each checked to be watchable: an actor or a router of {@code system}. */
        private ActorRef<?>[] checked(ActorSystem system) {
            for (ActorRef<M> r : routees) {
                boolean ours = r instanceof ActorCell<?> c ? c.system() == system
                        : r instanceof Router<?> router && router.system() == system;
                if (!ours) {
                    throw new IllegalArgumentException("a group router's routees must be actors or routers of system '"
                            + system.name() + "'; " + r + " is not");
                }
            }
            return routees.toArray(new ActorRef<?>[0]);
        }
    }
}
