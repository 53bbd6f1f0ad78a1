package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.ActorTerminatedException;
import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two actor systems in one JVM, each with its remote side on a free port of 127.0.0.1. */
class RemoteActorsTest {
    private static final String COOKIE = "a-cookie-of-sixteen-chars";

    sealed interface CounterMsg {
    }

    record Increment(long by) implements CounterMsg {
    }

    record Get(ActorRef<Long> replyTo) implements CounterMsg {
    }

    /** A message whose reply address is a local actor of the asking side, not an ask's. */
    record Report(ActorRef<Long> to) implements CounterMsg {
    }

    record Ordered(int sender, int seq) implements CounterMsg {
    }

    record NotAllowed(String text) {
    }

    /** Sends {@code count} numbers 0, 1, ... to {@code to}, then stops the actor that got it. */
    record Burst(ActorRef<Long> to, int count) implements CounterMsg {
    }

    static final class Counter implements Actor<CounterMsg> {
        long total;

        @Override
        public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
            switch (msg) {
                case Increment i -> total += i.by();
                case Get g -> g.replyTo().tell(total);
                case Report r -> r.to().tell(total);
                case Ordered o -> { }
                case Burst burst -> {
                    for (long i = 0; i < burst.count(); i++) {
                        burst.to().tell(i);
                    }
                    ctx.stopSelf();
                }
            }
        }
    }

    @TempDir
    Path base;
    private ActorSystem a;
    private ActorSystem b;

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        assertThat(base.toFile().list()).as("no Aeron directory left").isEmpty();
    }

    private RemoteActors remote(ActorSystem system) {
        return RemoteActors.start(system, RemoteSettings.bind("127.0.0.1", 0).allow(CounterMsg.class).cookie(COOKIE)
                .aeronDirectory(base.toString()));
    }

    /** Systems a and b, each with its remote side on a free port. */
    private void startPair() {
        a = ActorSystem.builder().name("a").build();
        b = ActorSystem.builder().name("b").build();
        remote(a);
        remote(b);
    }

    private static URI uri(RemoteActors on, String path) {
        return URI.create(on.address() + path);
    }

    @Test
    void tellAskLookupAndRefsInsideMessagesWorkAcrossSystems() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        b.spawnActor("counter", Counter::new);

        ActorRef<CounterMsg> counter = ra.lookup(uri(rb, "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30));
        counter.tell(new Increment(5));
        counter.tell(new Increment(7));
        assertThat(counter.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(12L);

        // A reply address that is a local actor on a: the ref travels inside the message.
        CountDownLatch got = new CountDownLatch(1);
        AtomicReference<Long> seen = new AtomicReference<>();
        ActorRef<Long> sink = a.spawnActor("sink", () -> (ctx, v) -> {
            seen.set(v);
            got.countDown();
        });
        counter.tell(new Report(sink));
        assertThat(got.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get()).isEqualTo(12L);

        assertThatThrownBy(() -> ra.lookup(uri(rb, "/user/nobody"), CounterMsg.class).join(Duration.ofSeconds(30)))
                .isInstanceOf(JoinException.class).hasRootCauseInstanceOf(ActorTerminatedException.class)
                .hasStackTraceContaining("no actor at");
    }

    @Test
    void theBuilderStartsTheRemoteSideAndRemoteLooksActorsUp() throws Exception {
        RemoteSettings settings = RemoteSettings.bind("127.0.0.1", 0).allow(CounterMsg.class).cookie(COOKIE)
                .aeronDirectory(base.toString());
        a = ActorSystem.builder().name("a").remote(settings).build();
        b = ActorSystem.builder().name("b").remote(settings).build();
        b.spawnActor("counter", Counter::new);
        assertThat(a.remote()).isSameAs(RemoteActors.of(a));

        ActorRef<CounterMsg> counter = a.remote()
                .lookup(uri(RemoteActors.of(b), "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30));
        counter.tell(new Increment(5));
        assertThat(counter.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(5L);

        // The port b holds cannot be bound again: build fails, naming why, and leaves nothing running.
        int taken = RemoteActors.of(b).address().port();
        assertThatThrownBy(() -> ActorSystem.builder().name("c")
                .remote(RemoteSettings.bind("127.0.0.1", taken).aeronDirectory(base.toString())).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(String.valueOf(taken));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("c-"));

        try (ActorSystem local = ActorSystem.builder().name("local").build()) {
            assertThatThrownBy(local::remote).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'local' is local only").hasMessageContaining(".remote(RemoteSettings");
        }
    }

    /** DEDICATED driver threading on one node, an external media driver on the other. */
    @Test
    void aDedicatedDriverAndAnExternalDriverTalkLikeTheDefault() throws Exception {
        java.io.File external = base.resolve("external-driver").toFile();
        try (io.aeron.driver.MediaDriver driver = io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(external.getAbsolutePath())
                .threadingMode(io.aeron.driver.ThreadingMode.SHARED)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true))) {
            RemoteSettings settings = RemoteSettings.bind("127.0.0.1", 0).allow(CounterMsg.class).cookie(COOKIE)
                    .aeronDirectory(base.toString());
            a = ActorSystem.builder().name("a")
                    .remote(settings.driverThreading(RemoteSettings.DriverThreading.DEDICATED)).build();
            b = ActorSystem.builder().name("b").remote(settings.externalMediaDriver(external.getAbsolutePath())).build();
            b.spawnActor("counter", Counter::new);
            ActorRef<CounterMsg> counter = a.remote()
                    .lookup(uri(RemoteActors.of(b), "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30));
            counter.tell(new Increment(3));
            assertThat(counter.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(3L);
            b.close();
            b = null;
            assertThat(external).as("the external driver's directory is not b's to delete").isDirectory();
            a.close();
            a = null;
        }
    }

    @Test
    void aDisallowedTypeIsRefusedOnSendWithItsName() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        b.spawnActor("counter", Counter::new);
        ActorRef<CounterMsg> counter = ra.lookup(uri(rb, "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30));
        @SuppressWarnings({"unchecked", "rawtypes"})
        ActorRef<Object> raw = (ActorRef) counter;
        assertThatThrownBy(() -> raw.tell(new NotAllowed("x")))
                .isInstanceOf(DisallowedTypeException.class).hasMessageContaining(NotAllowed.class.getName());
        assertThatThrownBy(() -> ra.lookup(uri(rb, "/user/counter"), NotAllowed.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not allowed on the wire");
    }

    @Test
    void eightSendersEachSeeTheirMessagesArriveOnceAndInOrder() throws Exception {
        final int senders = 8;
        final int perSender = 100_000;
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        CountDownLatch all = new CountDownLatch(1);
        AtomicReference<String> error = new AtomicReference<>();
        b.spawnActor("collector", () -> new Actor<CounterMsg>() {
            final int[] next = new int[senders];
            long received;

            @Override
            public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
                Ordered o = (Ordered) msg;
                if (o.seq() != next[o.sender()] && error.get() == null) {
                    error.set("sender " + o.sender() + ": " + o.seq() + " where " + next[o.sender()] + " was due");
                }
                next[o.sender()] = o.seq() + 1;
                if (++received == (long) senders * perSender) {
                    all.countDown();
                }
            }
        });
        ActorRef<CounterMsg> collector = ra.lookup(uri(rb, "/user/collector"), CounterMsg.class)
                .join(Duration.ofSeconds(30));
        Thread[] threads = new Thread[senders];
        for (int s = 0; s < senders; s++) {
            final int id = s;
            threads[s] = new Thread(() -> {
                for (int i = 0; i < perSender; i++) {
                    Ordered m = new Ordered(id, i);
                    while (!collector.tryTell(m)) {
                        Thread.onSpinWait(); // the outbound queue is full: a sender that must not drop waits
                    }
                }
            }, "sender-" + s);
            threads[s].start();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(120));
        }
        assertThat(all.await(120, TimeUnit.SECONDS)).as("all %s messages arrived", senders * perSender).isTrue();
        assertThat(error.get()).isNull();
        assertThat(b.deadLetters().count()).isZero();
    }

    @Test
    void watchersSeeARemoteActorStopAndAsksToAMissingActorFailAtOnce() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        ActorRef<CounterMsg> target = b.spawnActor("target", Counter::new);
        ActorRef<CounterMsg> remoteTarget = ra.lookup(uri(rb, "/user/target"), CounterMsg.class)
                .join(Duration.ofSeconds(30));
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch terminated = new CountDownLatch(1);
        a.spawnActor("watcher", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.watch(remoteTarget);
                log.add("watching");
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onTerminated(ActorContext<String> ctx, ActorRef<?> actor) {
                log.add("terminated " + actor.name());
                terminated.countDown();
            }
        });
        awaitTrue(() -> !log.isEmpty());
        b.stop(target);
        assertThat(terminated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("watching", "terminated target");

        long t0 = System.nanoTime();
        JoinHandle<Long> late = remoteTarget.ask(Get::new, Duration.ofSeconds(60));
        assertThatThrownBy(() -> late.join(Duration.ofSeconds(30))).isInstanceOf(JoinException.class)
                .hasRootCauseInstanceOf(ActorTerminatedException.class);
        assertThat(System.nanoTime() - t0).as("failed at once, not at the 60 s timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    /**
     * A remote watcher gets every message the watched actor sent it before it stopped, then the
     * termination: the notice travels on the control stream and the messages on the ordinary one,
     * so it waits for the flush behind them.
     */
    @Test
    void aRemoteTerminationComesAfterTheMessagesTheActorSentBeforeItStopped() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        int count = 5_000;
        for (int round = 0; round < 5; round++) {
            b.spawnActor("burst" + round, Counter::new);
            ActorRef<CounterMsg> target = ra.lookup(uri(rb, "/user/burst" + round), CounterMsg.class)
                    .join(Duration.ofSeconds(30));
            List<Object> seen = new java.util.ArrayList<>(); // the watcher's thread; read after the latch
            CountDownLatch terminated = new CountDownLatch(1);
            a.spawnActor("burstWatcher" + round, () -> new Actor<Long>() {
                @Override
                public void onStart(ActorContext<Long> ctx) {
                    ctx.watch(target);
                    target.tell(new Burst(ctx.self(), count));
                }

                @Override
                public void receive(ActorContext<Long> ctx, Long msg) {
                    seen.add(msg);
                }

                @Override
                public void onTerminated(ActorContext<Long> ctx, ActorRef<?> actor) {
                    seen.add("terminated");
                    terminated.countDown();
                }
            });
            assertThat(terminated.await(60, TimeUnit.SECONDS)).as("round %d terminated", round).isTrue();
            assertThat(seen).as("round %d", round).hasSize(count + 1).last().isEqualTo("terminated");
            for (int i = 0; i < count; i++) {
                assertThat(seen.get(i)).isEqualTo((long) i);
            }
        }
    }

    @Test
    void whenANodeLeavesItsWatchersGetTerminatedAndItsPendingAsksFail() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        CountDownLatch received = new CountDownLatch(1);
        b.spawnActor("silent", () -> (ctx, m) -> received.countDown()); // never answers
        ActorRef<CounterMsg> silent = ra.lookup(uri(rb, "/user/silent"), CounterMsg.class).join(Duration.ofSeconds(30));
        CountDownLatch terminated = new CountDownLatch(1);
        a.spawnActor("watcher", () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.watch(silent);
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onTerminated(ActorContext<String> ctx, ActorRef<?> actor) {
                terminated.countDown();
            }
        });
        JoinHandle<Long> pending = silent.ask(Get::new, Duration.ofSeconds(120));
        assertThat(ra.asks().pendingCount()).isEqualTo(1);
        // The ask must have reached the actor before its node closes: one still in flight when b
        // stops its actors finds no recipient there, and fails as sent to a stopped actor.
        assertThat(received.await(30, TimeUnit.SECONDS)).as("the ask reached b's actor").isTrue();
        b.close();
        b = null;
        assertThat(terminated.await(30, TimeUnit.SECONDS)).as("Terminated when the node left").isTrue();
        assertThatThrownBy(() -> pending.join(Duration.ofSeconds(30))).isInstanceOf(JoinException.class)
                .hasRootCauseInstanceOf(RemoteNodeDownException.class).hasStackTraceContaining("left");
        awaitTrue(() -> ra.asks().pendingCount() == 0); // the failed ask is forgotten
    }

    @Test
    void anActorRegisteredOnOneNodeIsFoundFromTheOtherUntilItStops() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        ServiceKey<CounterMsg> key = ServiceKey.of("counters", CounterMsg.class);
        ActorRef<CounterMsg> counter = b.spawnActor("counter", Counter::new);
        rb.register(key, counter);
        assertThat(rb.find(key)).containsExactly(counter);
        ra.lookup(uri(rb, "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30)); // brings the nodes up
        awaitTrue(() -> ra.find(key).size() == 1);
        ActorRef<CounterMsg> found = ra.find(key).iterator().next();
        found.tell(new Increment(4));
        assertThat(found.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(4L);
        b.stop(counter);
        awaitTrue(() -> ra.find(key).isEmpty());
        assertThatThrownBy(() -> ra.register(ServiceKey.of("x", NotAllowed.class), a.spawnActor("n", () -> (c, m) -> { })))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not allowed on the wire");
    }

    @Test
    void aRegisteredChildActorIsReachableFromTheOtherNode() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        ServiceKey<CounterMsg> key = ServiceKey.of("child-counters", CounterMsg.class);
        java.util.concurrent.CompletableFuture<ActorRef<CounterMsg>> child = new java.util.concurrent.CompletableFuture<>();
        b.spawnActor("parent", () -> new Actor<CounterMsg>() {
            @Override
            public void onStart(ActorContext<CounterMsg> ctx) {
                child.complete(ctx.spawn("child", Counter::new));
            }

            @Override
            public void receive(ActorContext<CounterMsg> ctx, CounterMsg msg) {
            }
        });
        rb.register(key, child.get(30, TimeUnit.SECONDS));
        b.spawnActor("counter", Counter::new);
        ra.lookup(uri(rb, "/user/counter"), CounterMsg.class).join(Duration.ofSeconds(30)); // brings the nodes up
        awaitTrue(() -> ra.find(key).size() == 1);
        ActorRef<CounterMsg> found = ra.find(key).iterator().next();
        assertThat(found.path()).endsWith("/user/parent/child");
        found.tell(new Increment(3));
        assertThat(found.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(3L);
    }

    /** Takes listings from {@code q} until one has exactly {@code expected} paths (30 s at most). */
    private static Listing<CounterMsg> awaitListing(java.util.concurrent.BlockingQueue<Listing<CounterMsg>> q,
                                                    java.util.Set<String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (;;) {
            Listing<CounterMsg> l = q.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(l).as("a listing of %s within 30 s", expected).isNotNull();
            java.util.Set<String> paths = new java.util.HashSet<>();
            l.refs().forEach(r -> paths.add(r.path()));
            if (paths.equals(expected)) {
                return l;
            }
        }
    }

    @Test
    void aSubscriberGetsTheListingAtOnceThenAfterEveryChangeOnEitherNode() throws Exception {
        startPair();
        RemoteActors ra = RemoteActors.of(a);
        RemoteActors rb = RemoteActors.of(b);
        ServiceKey<CounterMsg> key = ServiceKey.of("watched-counters", CounterMsg.class);
        java.util.concurrent.BlockingQueue<Listing<CounterMsg>> listings = new java.util.concurrent.LinkedBlockingQueue<>();
        ActorRef<Listing<CounterMsg>> subscriber = a.spawnActor("subscriber", () -> (ctx, l) -> listings.add(l));
        AutoCloseable subscription = ra.subscribe(key, subscriber);

        Listing<CounterMsg> first = listings.poll(30, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.key()).isEqualTo(key);
        assertThat(first.refs()).isEmpty();

        ActorRef<CounterMsg> remoteOne = b.spawnActor("one", Counter::new);
        ActorRef<CounterMsg> remoteTwo = b.spawnActor("two", Counter::new);
        rb.register(key, remoteOne);
        rb.register(key, remoteTwo);
        ra.lookup(uri(rb, "/user/one"), CounterMsg.class).join(Duration.ofSeconds(30)); // brings the nodes up
        String one = rb.address() + "/user/one";
        String two = rb.address() + "/user/two";
        Listing<CounterMsg> both = awaitListing(listings, java.util.Set.of(one, two));
        assertThatThrownBy(() -> both.refs().clear()).isInstanceOf(UnsupportedOperationException.class);

        ActorRef<CounterMsg> local = a.spawnActor("local", Counter::new);
        ra.register(key, local);
        awaitListing(listings, java.util.Set.of(one, two, "/user/local"));
        ActorRef<CounterMsg> found = both.refs().iterator().next();
        found.tell(new Increment(2));
        assertThat(found.<Long>ask(Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30))).isEqualTo(2L);

        b.stop(remoteOne);
        awaitListing(listings, java.util.Set.of(two, "/user/local"));
        b.close(); // b leaves: its registrations are gone with it
        b = null;
        awaitListing(listings, java.util.Set.of("/user/local"));

        // A second subscriber stays; the first one's subscription is closed.
        java.util.concurrent.BlockingQueue<Listing<CounterMsg>> control = new java.util.concurrent.LinkedBlockingQueue<>();
        ra.subscribe(key, a.<Listing<CounterMsg>>spawnActor("control", () -> (ctx, l) -> control.add(l)));
        awaitListing(control, java.util.Set.of("/user/local"));
        subscription.close();
        a.stop(local);
        awaitListing(control, java.util.Set.of());
        // The change's listing went to the control before the marker below was sent, so had it
        // gone to the closed subscriber too, that one would get it before the marker.
        ServiceKey<CounterMsg> marker = ServiceKey.of("marker", CounterMsg.class);
        subscriber.tell(new Listing<>(marker, java.util.Set.of()));
        Listing<CounterMsg> next = listings.poll(30, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.key()).as("nothing after the close but the marker").isEqualTo(marker);

        @SuppressWarnings({"unchecked", "rawtypes"})
        ActorRef<Listing<CounterMsg>> remoteSubscriber = (ActorRef) found;
        assertThatThrownBy(() -> ra.subscribe(key, remoteSubscriber)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only local actors subscribe");
    }

    @Test
    void aSubscriberWhoseBoundedMailboxIsFullLosesListingsToDeadLettersAndRegistrationsGoOn() throws Exception {
        a = ActorSystem.builder().name("a").build();
        RemoteActors ra = remote(a);
        ServiceKey<CounterMsg> key = ServiceKey.of("busy", CounterMsg.class);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ActorRef<Listing<CounterMsg>> slow = a.spawnActor("slow", () -> (ctx, l) -> {
            busy.countDown();
            release.await(30, TimeUnit.SECONDS);
        }, dev.kabuki.actors.ActorOptions.defaults().boundedMailbox(1, dev.kabuki.mailbox.OverflowPolicy.FAIL));
        long before = a.deadLetters().count();
        ra.subscribe(key, slow); // the first listing: being processed, the actor now blocked
        assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 3; i++) { // one more listing fills the mailbox, the next two are lost
            ra.register(key, a.spawnActor("c" + i, Counter::new));
        }
        assertThat(ra.find(key)).hasSize(3);
        assertThat(a.deadLetters().count() - before).isEqualTo(2);
        release.countDown();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 30 s").isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
