package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouterTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("router").build();
    private final Tally tally = new Tally();

    @AfterEach
    void tearDown() {
        system.close();
    }

    // ---------------------------------------------------------------- the worker

    sealed interface Job permits Work, Hold, Boom, WhoAreYou {}

    /** Counted by the routee that handles it. */
    record Work(int value) implements Job {}

    /** Blocks the routee until {@code release} opens. */
    record Hold(CountDownLatch holding, CountDownLatch release) implements Job {}

    /** Makes the routee throw. */
    record Boom() implements Job {}

    /** The routee replies with its path. */
    record WhoAreYou(ActorRef<String> replyTo) implements Job {}

    /** What the routees handled, by routee path; {@code processed} gets one permit per Work. */
    static final class Tally {
        final Map<String, LongAdder> perRoutee = new ConcurrentHashMap<>();
        final LongAdder sum = new LongAdder();
        final Semaphore processed = new Semaphore(0);
        final AtomicInteger instances = new AtomicInteger();

        void record(String routee, int value) {
            perRoutee.computeIfAbsent(routee, k -> new LongAdder()).increment();
            sum.add(value);
            processed.release();
        }

        long of(ActorRef<?> routee) {
            LongAdder a = perRoutee.get(routee.path());
            return a == null ? 0 : a.sum();
        }

        void awaitProcessed(int n) throws InterruptedException {
            assertThat(processed.tryAcquire(n, 30, TimeUnit.SECONDS))
                    .as("%d messages processed within 30 s (%d were)", n, processed.availablePermits()).isTrue();
        }
    }

    static final class Worker implements Actor<Job> {
        private final Tally tally;

        Worker(Tally tally) {
            this.tally = tally;
            tally.instances.incrementAndGet();
        }

        @Override
        public void receive(ActorContext<Job> ctx, Job job) throws Exception {
            switch (job) {
                case Work w -> tally.record(ctx.self().path(), w.value());
                case Hold h -> {
                    h.holding().countDown();
                    assertThat(h.release().await(60, TimeUnit.SECONDS)).isTrue();
                }
                case Boom b -> throw new IllegalStateException("boom (a deliberate failure)");
                case WhoAreYou q -> q.replyTo().tell(ctx.self().path());
            }
        }
    }

    private Routers.PoolBuilder<Job> pool(int size) {
        return Routers.pool(size, () -> new Worker(tally));
    }

    private static <M> List<ActorRef<M>> started(Router<M> router) {
        return router.routeesFromRouterActor(LONG).join();
    }

    // ---------------------------------------------------------------- routing

    @Test
    void roundRobinGivesEachRouteeExactlyItsShare() throws Exception {
        // Sent right after spawn: the first messages may be forwarded by the router actor, the
        // rest routed directly; both turn the same counter, so the shares are exact either way.
        Router<Job> router = pool(4).spawn(system, "pool");
        for (int i = 0; i < 4_000; i++) {
            router.tell(new Work(1));
        }
        tally.awaitProcessed(4_000);
        List<ActorRef<Job>> routees = router.routees();
        assertThat(routees).hasSize(4).isEqualTo(started(router));
        for (ActorRef<Job> r : routees) {
            assertThat(tally.of(r)).as("messages to %s", r.path()).isEqualTo(1_000);
        }
        assertThat(router.routingLogic()).isEqualTo(RoutingLogic.ROUND_ROBIN);
        assertThat(router.path()).isEqualTo("/user/pool");
        assertThat(router.name()).isEqualTo("pool");
        assertThat(routees).extracting(ActorRef::path)
                .containsExactly("/user/pool/routee-1", "/user/pool/routee-2", "/user/pool/routee-3", "/user/pool/routee-4");
        assertThat(router.mailboxDepth()).isZero();
        assertThat(router.toString()).contains("/user/pool", "ROUND_ROBIN", "4 routees");
    }

    @Test
    void smallestMailboxSendsToIdleRouteesAndNeverToOneWithABacklog() throws Exception {
        // Routees on the blocking dispatcher: the one held below blocks its thread, not a core worker.
        Router<Job> router = pool(3).withSmallestMailboxRouting()
                .withRouteeOptions(ActorOptions.defaults().runOnBlockingDispatcher())
                .spawn(system, "smallest");
        List<ActorRef<Job>> routees = started(router);
        ActorRef<Job> busy = routees.get(0);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        busy.tell(new Hold(holding, release));
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        busy.tell(new Work(0)); // its backlog: depth 1 while it is held
        assertThat(busy.mailboxDepth()).isEqualTo(1);

        // One at a time, each handled before the next is sent: the idle routees are at depth 0,
        // the held one at 1, so round robin would send a third of these to the held routee (and
        // the wait for it to be handled would time out).
        int n = 300;
        try {
            for (int i = 0; i < n; i++) {
                router.tell(new Work(1));
                tally.awaitProcessed(1);
            }
        } catch (AssertionError e) {
            release.countDown(); // lets the system close
            throw e;
        }
        assertThat(tally.of(busy)).isZero();
        assertThat(tally.of(routees.get(1)) + tally.of(routees.get(2))).isEqualTo(n);
        // The rotating start shares ties: both idle routees get a good part of the load.
        assertThat(tally.of(routees.get(1))).isGreaterThan(n / 4);
        assertThat(tally.of(routees.get(2))).isGreaterThan(n / 4);

        release.countDown();
        tally.awaitProcessed(1);
        assertThat(tally.of(busy)).isEqualTo(1);
        assertThat(router.routingLogic()).isEqualTo(RoutingLogic.SMALLEST_MAILBOX);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void broadcastReachesEveryRouteeWhicheverWayItIsSent() throws Exception {
        Router<Job> router = pool(5).spawn(system, "all");
        router.tell(new Broadcast<>(new Work(1)));
        router.broadcast(new Work(1));
        ((ActorRef) router).tell(new Broadcast<>(new Work(1))); // tell(M) checks at run time
        assertThat(((ActorRef) router).tryTell(new Broadcast<>(new Work(1)))).isTrue();
        tally.awaitProcessed(20);
        List<ActorRef<Job>> routees = router.routees();
        assertThat(routees).hasSize(5);
        for (ActorRef<Job> r : routees) {
            assertThat(tally.of(r)).as("broadcasts to %s", r.path()).isEqualTo(4);
        }
    }

    @Test
    void systemStopAndDeathWatchTakeTheRouterItself() throws Exception {
        Router<Job> router = pool(2).spawn(system, "watched");
        List<Object> seen = new CopyOnWriteArrayList<>();
        CountDownLatch terminated = new CountDownLatch(1);
        ActorRef<Object> watcher = system.spawnActor("router-watcher", () -> new Actor<Object>() {
            @Override
            public void receive(ActorContext<Object> ctx, Object msg) {
                ctx.watch(router);
                seen.add("watching");
            }

            @Override
            public void onTerminated(ActorContext<Object> ctx, ActorRef<?> actor) {
                seen.add(actor);
                terminated.countDown();
            }
        });
        watcher.tell("watch");
        ActorSystemTest.await("watching", () -> seen.size() == 1);
        system.stop(router);
        assertThat(terminated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("watching", router); // the ref the watcher gave
        assertThat(router.tryTell(new Work(1))).isFalse();
    }

    @Test
    void askThroughARouterIsAnsweredByOneRouteeInTurn() {
        Router<Job> router = pool(3).spawn(system, "askme");
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            JoinHandle<String> who = router.ask(WhoAreYou::new, LONG);
            answered.add(who.join());
        }
        assertThat(answered).containsExactlyInAnyOrder(
                "/user/askme/routee-1", "/user/askme/routee-2", "/user/askme/routee-3");
    }

    @Test
    void messagesAndAsksSentBeforeThePoolStartedAreForwardedByTheRouterActor() throws Exception {
        // One core worker, and the router is spawned inside an actor's receive: its router actor
        // cannot start before that receive returns, so everything sent there is forwarded.
        try (ActorSystem one = ActorSystem.builder().threadNamePrefix("router-one").workerThreads(1).build()) {
            AtomicReference<JoinHandle<String>> ask = new AtomicReference<>();
            AtomicReference<Router<Job>> made = new AtomicReference<>();
            List<Object> seenInside = new CopyOnWriteArrayList<>();
            CountDownLatch sent = new CountDownLatch(1);
            one.spawnActor("parent", () -> (ActorContext<String> ctx, String go) -> {
                Router<Job> router = pool(2).spawn(ctx, "early");
                seenInside.add(router.routesDirectly());
                for (int i = 0; i < 10; i++) {
                    router.tell(new Work(i));
                }
                ask.set(router.ask(WhoAreYou::new, LONG));
                seenInside.add(router.routees());
                seenInside.add(router.mailboxDepth());
                made.set(router);
                sent.countDown();
            }).tell("go");
            assertThat(sent.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(seenInside).containsExactly(false, List.of(), 11);

            tally.awaitProcessed(10);
            assertThat(ask.get().join()).startsWith("/user/parent/early/routee-");
            Router<Job> router = made.get();
            ActorSystemTest.await("the snapshot is published", router::routesDirectly);
            List<ActorRef<Job>> routees = router.routees();
            assertThat(routees).extracting(ActorRef::path)
                    .containsExactly("/user/parent/early/routee-1", "/user/parent/early/routee-2");
            assertThat(tally.of(routees.get(0))).isEqualTo(5);
            assertThat(tally.of(routees.get(1))).isEqualTo(5);
            assertThat(tally.sum.sum()).isEqualTo(45);
        }
    }

    // ---------------------------------------------------------------- membership

    @Test
    void resizeUpAndDownChangesTheRouteesAndTheLoadFollows() throws Exception {
        Router<Job> router = pool(2).spawn(system, "elastic");
        List<ActorRef<Job>> two = started(router);

        List<ActorRef<Job>> four = router.resize(4).join();
        assertThat(four).hasSize(4).startsWith(two.get(0), two.get(1)).isEqualTo(router.routees());
        assertThat(four.get(3).path()).isEqualTo("/user/elastic/routee-4");
        for (int i = 0; i < 400; i++) {
            router.tell(new Work(1));
        }
        tally.awaitProcessed(400);
        for (ActorRef<Job> r : four) {
            assertThat(tally.of(r)).as("messages to %s", r.path()).isEqualTo(100);
        }

        List<ActorRef<Job>> one = router.resize(1).join();
        assertThat(one).containsExactly(two.get(0)).isEqualTo(router.routees());
        for (int i = 0; i < 100; i++) {
            router.tell(new Work(1));
        }
        tally.awaitProcessed(100);
        assertThat(tally.of(two.get(0))).isEqualTo(200);
        for (ActorRef<Job> retired : four.subList(1, 4)) {
            assertThat(tally.of(retired)).isEqualTo(100);
            ActorSystemTest.await("retired " + retired.path() + " stopped", ((ActorCell<?>) retired)::isTerminated);
        }

        // Grows again with fresh names: a number is never reused.
        assertThat(router.resize(2).join()).extracting(ActorRef::path)
                .containsExactly("/user/elastic/routee-1", "/user/elastic/routee-5");
        assertThatThrownBy(() -> router.resize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void aRouteeThatThrowsIsRestartedAndStaysARoutee() throws Exception {
        Router<Job> router = pool(2).spawn(system, "resilient");
        List<ActorRef<Job>> routees = started(router);
        assertThat(tally.instances.get()).isEqualTo(2);
        routees.get(0).tell(new Boom());
        for (int i = 0; i < 100; i++) {
            router.tell(new Work(1));
        }
        tally.awaitProcessed(100);
        assertThat(tally.instances.get()).as("the factory made a fresh instance").isEqualTo(3);
        assertThat(router.routees()).isEqualTo(routees);
        assertThat(tally.of(routees.get(0))).isEqualTo(50);
        assertThat(tally.of(routees.get(1))).isEqualTo(50);
    }

    @Test
    void routeesStoppedForGoodAreDroppedThenTheRouterStopsAndMessagesAreDeadLettered() throws Exception {
        Router<Job> router = pool(2).withRouteeOptions(ActorOptions.defaults().supervision(SupervisorStrategy.stop()))
                .spawn(system, "fragile");
        List<ActorRef<Job>> routees = started(router);
        CountDownLatch routerStopped = new CountDownLatch(1);
        system.spawnActor("watcher", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.watch(router.routerActor());
            }

            @Override
            public void receive(ActorContext<String> ctx, String m) {
            }

            @Override
            public void onTerminated(ActorContext<String> ctx, ActorRef<?> actor) {
                routerStopped.countDown();
            }
        });

        routees.get(0).tell(new Boom());
        ActorSystemTest.await("the stopped routee dropped", () -> router.routees().size() == 1);
        assertThat(router.routees()).containsExactly(routees.get(1));
        for (int i = 0; i < 10; i++) {
            router.tell(new Work(1));
        }
        tally.awaitProcessed(10);
        assertThat(tally.of(routees.get(1))).isEqualTo(10);

        routees.get(1).tell(new Boom());
        assertThat(routerStopped.await(30, TimeUnit.SECONDS)).as("the router actor stopped").isTrue();
        assertThat(router.routees()).isEmpty();

        List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        long before = system.deadLetters().count();
        try (AutoCloseable sub = system.deadLetters().subscribe(letters::add)) {
            router.tell(new Work(1));
            assertThat(router.tryTell(new Work(2))).isFalse();
            router.broadcast(new Work(3));
            JoinHandle<String> ask = router.ask(WhoAreYou::new, LONG);
            assertThat(ask.isFinished()).as("an ask fails at once").isTrue();
            assertThatThrownBy(ask::join).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(ActorTerminatedException.class)
                    .hasMessageContaining("router /user/fragile").hasMessageContaining("no routees");
        }
        assertThat(system.deadLetters().count() - before).isEqualTo(3);
        assertThat(letters).extracting(DeadLetter::message)
                .containsExactly(new Work(1), new Work(2), new Broadcast<>(new Work(3)));
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.recipient()).isEqualTo("/user/fragile");
            assertThat(l.reason()).isEqualTo("router /user/fragile has no routees");
        });
        assertThat(router.mailboxDepth()).isZero();
    }

    @Test
    void stoppingAPoolRouterStopsItsRouteesAndLaterMessagesAreDeadLettered() throws Exception {
        Router<Job> router = pool(3).spawn(system, "stopped");
        List<ActorRef<Job>> routees = started(router);
        router.stop(); // on main, system.stop(router) will unwrap to the router actor
        for (ActorRef<Job> r : routees) {
            ActorSystemTest.await(r.path() + " stopped", ((ActorCell<?>) r)::isTerminated);
        }
        ActorSystemTest.await("the empty snapshot", () -> router.routees().isEmpty() && router.routesDirectly());
        long before = system.deadLetters().count();
        router.tell(new Work(1));
        assertThat(system.deadLetters().count() - before).isEqualTo(1);
        assertThatThrownBy(() -> router.resize(2).join()).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(ActorTerminatedException.class);
    }

    @Test
    void aGroupRoutesOverThreeExistingActorsAndDropsOneThatStops() throws Exception {
        List<ActorRef<Job>> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            workers.add(system.spawnActor("worker-" + i, () -> new Worker(tally)));
        }
        Router<Job> group = Routers.group(workers).spawn(system, "group");
        assertThat(group.routees()).isEqualTo(workers); // routed from the moment spawn returns
        for (int i = 0; i < 300; i++) {
            group.tell(new Work(1));
        }
        group.broadcast(new Work(1));
        tally.awaitProcessed(303);
        for (ActorRef<Job> w : workers) {
            assertThat(tally.of(w)).as("messages to %s", w.path()).isEqualTo(101);
        }
        assertThat(group.ask(WhoAreYou::new, LONG).join()).startsWith("/user/worker-");

        system.stop(workers.get(1));
        ActorSystemTest.await("the stopped worker dropped", () -> group.routees().size() == 2);
        assertThat(group.routees()).containsExactly(workers.get(0), workers.get(2));
        for (int i = 0; i < 100; i++) {
            group.tell(new Work(1));
        }
        tally.awaitProcessed(100);
        assertThat(tally.of(workers.get(0)) + tally.of(workers.get(2))).isEqualTo(202 + 100);
        assertThat(tally.of(workers.get(0))).isEqualTo(151);

        assertThatThrownBy(() -> group.resize(4)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("given, not made");

        // Stopping a group router leaves its routees running.
        group.stop();
        ActorSystemTest.await("the group stopped", () -> group.routees().isEmpty());
        assertThat(workers.get(0).ask(WhoAreYou::new, LONG).join()).isEqualTo("/user/worker-1");
    }

    @Test
    void aGroupRejectsWhatItCannotWatch() {
        assertThatThrownBy(() -> Routers.group(List.<ActorRef<Job>>of())).isInstanceOf(IllegalArgumentException.class);
        try (ActorSystem other = ActorSystem.builder().threadNamePrefix("router-other").build()) {
            ActorRef<Job> foreign = other.spawnActor("foreign", () -> new Worker(tally));
            assertThatThrownBy(() -> Routers.group(List.of(foreign)).spawn(system, "bad"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/user/foreign");
        }
    }

    @Test
    void aPoolFactoryThatThrowsFailsTheSpawnCall() {
        assertThatThrownBy(() -> Routers.<Job>pool(2, () -> {
            throw new IllegalStateException("no workers today");
        }).spawn(system, "never")).isInstanceOf(IllegalStateException.class).hasMessage("no workers today");
        assertThatThrownBy(() -> Routers.pool(0, () -> new Worker(tally))).isInstanceOf(IllegalArgumentException.class);
        // Nothing was spawned: the name is free.
        assertThat(pool(1).spawn(system, "never").name()).isEqualTo("never");
    }

    // ---------------------------------------------------------------- contention

    /** One message of one sender: {@code seq} counts up from 0 per sender. */
    record Seq(int sender, int seq) {}

    /** Counts, sums and checks that each sender's messages to this routee come in send order. */
    static final class OrderChecker implements Actor<Seq> {
        final Map<String, LongAdder> counts;
        final LongAdder sum;
        final LongAdder outOfOrder;
        final CountDownLatch done;
        final int[] lastSeq = new int[64];

        OrderChecker(Map<String, LongAdder> counts, LongAdder sum, LongAdder outOfOrder, CountDownLatch done) {
            this.counts = counts;
            this.sum = sum;
            this.outOfOrder = outOfOrder;
            this.done = done;
            java.util.Arrays.fill(lastSeq, -1);
        }

        @Override
        public void receive(ActorContext<Seq> ctx, Seq m) {
            if (m.seq() <= lastSeq[m.sender()]) {
                outOfOrder.increment();
            }
            lastSeq[m.sender()] = m.seq();
            counts.computeIfAbsent(ctx.self().path(), k -> new LongAdder()).increment();
            sum.add(m.seq() + 1L);
            done.countDown();
        }
    }

    /**
     * Fails if direct routing begins while messages handed to the router actor before the start
     * are still being forwarded: a sender's later message would then overtake its earlier one.
     * One routee, so every crossing shows; ten pools, so the race is run ten times.
     */
    @Test
    void sendersRacingAPoolsStartKeepTheirOrder() throws Exception {
        int senders = 4;
        int perSender = 5_000;
        for (int round = 0; round < 10; round++) {
            Map<String, LongAdder> counts = new ConcurrentHashMap<>();
            LongAdder outOfOrder = new LongAdder();
            CountDownLatch done = new CountDownLatch(senders * perSender);
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Router<Seq>> router = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    Router<Seq> r = router.get();
                    for (int i = 0; i < perSender; i++) {
                        r.tell(new Seq(sender, i));
                    }
                }, "router-racer-" + s);
                t.start();
                threads.add(t);
            }
            router.set(Routers.pool(1, () -> new OrderChecker(counts, new LongAdder(), outOfOrder, done))
                    .spawn(system, "race-" + round));
            go.countDown(); // the senders start as the router actor does
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(outOfOrder.sum()).as("messages out of per-sender order, round %d", round).isZero();
            assertThat(router.get().routesDirectly()).isTrue();
        }
    }

    /**
     * Fails if a message is lost or duplicated (count, sum), if two senders can take the same
     * round-robin turn (exact shares), or if a message routed directly overtakes an earlier one
     * of the same sender still being forwarded by the router actor (per-sender order per
     * routee): with {@code fromTheStart}, the senders race the pool's start.
     */
    @ParameterizedTest(name = "fromTheStart={0}")
    @ValueSource(booleans = {true, false})
    void manySendersThroughOneRoundRobinRouterEveryMessageExactlyOnce(boolean fromTheStart) throws Exception {
        int senders = 8; // more threads than cores on a small machine: senders get preempted mid-send
        int perSender = 100_000 / senders;
        int total = senders * perSender;
        int routeeCount = 4;
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        LongAdder sum = new LongAdder();
        LongAdder outOfOrder = new LongAdder();
        CountDownLatch done = new CountDownLatch(total);
        Router<Seq> router = Routers.pool(routeeCount, () -> new OrderChecker(counts, sum, outOfOrder, done))
                .spawn(system, "contended");
        if (!fromTheStart) {
            started(router);
            assertThat(router.routesDirectly()).isTrue();
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perSender; i++) {
                    router.tell(new Seq(sender, i));
                }
            }, "router-sender-" + s);
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("every message received").isTrue();
        assertThat(counts.values().stream().mapToLong(LongAdder::sum).sum()).isEqualTo(total);
        assertThat(sum.sum()).isEqualTo((long) senders * perSender * (perSender + 1L) / 2);
        assertThat(outOfOrder.sum()).as("messages out of per-sender order").isZero();
        assertThat(counts).hasSize(routeeCount);
        for (LongAdder c : counts.values()) {
            assertThat(c.sum()).isEqualTo(total / routeeCount);
        }
    }
}
