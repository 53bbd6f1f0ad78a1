package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinException;
import dev.kabuki.scheduler.JoinHandle;
import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This JVM against nodes in other JVMs started by the test: a node killed with -9, a node
 * stopped (SIGSTOP) past the failure detector's threshold and resumed, a node restarted at the
 * same address, a node with the wrong cookie.
 */
class RemoteMultiJvmTest {
    private static final String COOKIE = "a-cookie-of-sixteen-chars";

    @TempDir
    Path base;
    private ActorSystem system;
    private RemoteActors remote;
    private final BlockingQueue<NodeEvent> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        system = ActorSystem.builder().name("tester").build();
        remote = RemoteActors.start(system, RemoteSettings.bind("127.0.0.1", 0)
                .allow(NodeProcess.CounterMsg.class).cookie(COOKIE).aeronDirectory(base.toString()));
        ActorRef<NodeEvent> recorder = system.spawnActor("events", () -> (ctx, e) -> events.add(e));
        remote.subscribe(recorder);
    }

    @AfterEach
    void stop() {
        system.close();
    }

    private ActorRef<NodeProcess.CounterMsg> counterOn(NodeProcess node) {
        return remote.lookup(URI.create(node.address() + "/user/counter"), NodeProcess.CounterMsg.class)
                .join(Duration.ofSeconds(30));
    }

    private NodeEvent awaitEvent(Class<? extends NodeEvent> type, NodeAddress node, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (;;) {
            NodeEvent e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(e).as("a %s of %s within %s s", type.getSimpleName(), node, seconds).isNotNull();
            if (type.isInstance(e) && e.node().equals(node)) {
                return e;
            }
        }
    }

    private CountDownLatch watch(ActorRef<?> target) {
        CountDownLatch terminated = new CountDownLatch(1);
        system.spawnActor("watcher-" + System.nanoTime(), () -> new Actor<String>() {
            @Override
            public void onStart(ActorContext<String> ctx) {
                ctx.watch(target);
            }

            @Override
            public void receive(ActorContext<String> ctx, String msg) {
            }

            @Override
            public void onTerminated(ActorContext<String> ctx, ActorRef<?> actor) {
                terminated.countDown();
            }
        });
        return terminated;
    }

    @Test
    void aKilledNodeIsDetectedWatchersGetTerminatedAndPendingAsksFailNamingTheNode() throws Exception {
        NodeProcess node = NodeProcess.start("victim", 0, COOKIE, base.toFile());
        try {
            ActorRef<NodeProcess.CounterMsg> counter = counterOn(node);
            counter.tell(new NodeProcess.Increment(3));
            assertThat(counter.<Long>ask(NodeProcess.Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30)))
                    .isEqualTo(3L);
            CountDownLatch terminated = watch(counter);
            awaitEvent(NodeEvent.NodeUp.class, node.address(), 30);
            node.kill();
            JoinHandle<Long> pending = counter.ask(NodeProcess.Get::new, Duration.ofSeconds(120));
            NodeEvent down = awaitEvent(NodeEvent.NodeDown.class, node.address(), 40);
            assertThat(((NodeEvent.NodeDown) down).reason()).startsWith("unreachable");
            assertThat(terminated.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> pending.join(Duration.ofSeconds(10))).isInstanceOf(JoinException.class)
                    .hasRootCauseInstanceOf(RemoteNodeDownException.class)
                    .hasStackTraceContaining(node.address().toString());

            // Its Aeron directory outlives it, until a sweep finds the process gone and the
            // driver's heartbeat stale (here: any heartbeat before now, rather than 10 s old,
            // which DriverDirectoriesTest covers); this node's own directory stays.
            String prefix = "kabuki-victim-" + node.pid() + "-";
            File[] left = base.toFile().listFiles((dir, name) -> name.startsWith(prefix));
            assertThat(left).as("the killed node's directory in %s", base).hasSize(1);
            assertThat(DriverDirectories.sweep(base.toFile(), 0)).isEqualTo(1);
            assertThat(left[0]).doesNotExist();
            assertThat(base.toFile().list((dir, name) -> name.startsWith("kabuki-tester-" + ProcessHandle.current().pid())))
                    .hasSize(1);
        } finally {
            node.close();
        }
    }

    @Test
    void aNodeStoppedPastTheThresholdIsQuarantinedAndARestartAtTheSameAddressIsANewIncarnation()
            throws Exception {
        NodeProcess node = NodeProcess.start("sleeper", 0, COOKIE, base.toFile());
        NodeAddress address = node.address();
        try {
            counterOn(node);
            awaitEvent(NodeEvent.NodeUp.class, address, 30);
            node.signal("STOP");
            awaitEvent(NodeEvent.NodeDown.class, address, 40);
            node.signal("CONT");
            // The resumed incarnation is quarantined for good: a lookup from here does not reach it.
            assertThatThrownBy(() -> counterOn(node)).isInstanceOf(JoinException.class);
        } finally {
            node.kill();
        }
        NodeProcess again = NodeProcess.start("sleeper", address.port(), COOKIE, base.toFile());
        try {
            assertThat(again.address()).isEqualTo(address);
            ActorRef<NodeProcess.CounterMsg> counter = counterOn(again);
            assertThat(counter.<Long>ask(NodeProcess.Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30)))
                    .as("a new incarnation with a fresh counter").isZero();
        } finally {
            again.close();
        }
    }

    /**
     * Three JVMs (this one and two child nodes, c dialling b as its seed): b killed is down for
     * both survivors, this node's watchers of b get Terminated, and this node and c go on.
     */
    @Test
    void withThreeNodesAKilledNodeIsDownForEveryOtherAndTheSurvivorsGoOn() throws Exception {
        NodeProcess b = NodeProcess.start("b", 0, COOKIE, base.toFile());
        NodeProcess c = null;
        try {
            c = NodeProcess.start(List.of(), "c", 0, COOKIE, base.toFile(), "127.0.0.1",
                    List.of(b.address().toString()));
            c.awaitLine("EVENT UP " + b.address(), 30);
            ActorRef<NodeProcess.CounterMsg> onB = counterOn(b);
            ActorRef<NodeProcess.CounterMsg> onC = counterOn(c);
            onC.tell(new NodeProcess.Increment(2));
            assertThat(onC.<Long>ask(NodeProcess.Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30)))
                    .isEqualTo(2L);
            CountDownLatch terminated = watch(onB);
            awaitEvent(NodeEvent.NodeUp.class, b.address(), 30);
            b.kill();
            awaitEvent(NodeEvent.NodeDown.class, b.address(), 40);
            assertThat(terminated.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(c.awaitLine("EVENT DOWN " + b.address(), 40)).contains("unreachable");
            onC.tell(new NodeProcess.Increment(5));
            assertThat(onC.<Long>ask(NodeProcess.Get::new, Duration.ofSeconds(10)).join(Duration.ofSeconds(30)))
                    .isEqualTo(7L);
        } finally {
            if (c != null) {
                c.close();
            }
            b.close();
        }
    }

    @Test
    void aNodeWithAnotherCookieNeverAssociates() throws Exception {
        NodeProcess stranger = NodeProcess.start("stranger", 0, "another-cookie-of-16-chars", base.toFile());
        try {
            assertThatThrownBy(() -> remote.lookup(URI.create(stranger.address() + "/user/counter"),
                    NodeProcess.CounterMsg.class).join(Duration.ofSeconds(60)))
                    .isInstanceOf(JoinException.class);
            assertThat(events).noneMatch(e -> e instanceof NodeEvent.NodeUp);
            stranger.awaitLine("", 1); // its log names the refusal; shown if a later assertion fails
        } finally {
            stranger.close();
        }
    }
}
