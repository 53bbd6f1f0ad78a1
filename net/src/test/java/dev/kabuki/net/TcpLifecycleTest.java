package dev.kabuki.net;

import static dev.kabuki.net.TcpServerTest.ANY;
import static dev.kabuki.net.TcpServerTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpLifecycleTest {

    static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }

    @Test
    void systemCloseWithLiveConnectionsRunsEveryOnStopClosesEverySocketAndLeavesNoThread() throws Exception {
        AtomicInteger stopped = new AtomicInteger();
        int n = 50;
        List<LineClient> clients = new ArrayList<>();
        ActorSystem system = ActorSystem.builder().threadNamePrefix("close-test").ioSelectors(2).build();
        try {
            TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> new Actor<TcpEvent<String>>() {
                @Override
                public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
                    if (event instanceof TcpEvent.Received<String>(String line)) {
                        conn.write(line);
                    }
                }

                @Override
                public void onStop(ActorContext<TcpEvent<String>> ctx) {
                    stopped.incrementAndGet();
                }
            });
            for (int i = 0; i < n; i++) {
                LineClient c = new LineClient(server.port());
                clients.add(c);
                c.send("hi\n");
                assertThat(c.readLine()).isEqualTo("hi");
            }
            // The worker-polled driver (-Dkabuki.net.driver=worker-polled) has no thread of its own.
            assertThat(threadsNamed("close-test-io-")).hasSize(IoDriverStressTest.WORKER_POLLED ? 0 : 2);
        } finally {
            system.close();
        }
        assertThat(system.whenTerminated().join().clean()).isTrue();
        assertThat(stopped.get()).isEqualTo(n);
        assertThat(threadsNamed("close-test")).isEmpty();
        for (LineClient c : clients) {
            assertThat(c.readLine()).isNull(); // each peer sees its connection end
            c.close();
        }
    }

    /**
     * While the system shuts down (its actors stopping, the listening socket still open until the
     * I/O driver closes) a new connection cannot get a handler: it is closed at once and counted
     * as rejected, not logged as a failure per connection.
     */
    @Test
    void aConnectionArrivingDuringTheShutdownIsClosedAndCountedAsRejected() throws Exception {
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch letStop = new CountDownLatch(1);
        ActorSystem system = ActorSystem.builder().threadNamePrefix("late-conn").build();
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> (ctx, event) -> { });
        // An actor whose onStop waits (on the blocking pool) holds the shutdown in its first step.
        system.spawnActor("slow-stop", () -> new Actor<String>() {
            @Override
            public void receive(ActorContext<String> ctx, String message) {
            }

            @Override
            public void onStop(ActorContext<String> ctx) throws InterruptedException {
                stopping.countDown();
                letStop.await(30, TimeUnit.SECONDS);
            }
        }, dev.kabuki.actors.ActorOptions.defaults().runOnBlockingDispatcher());
        JoinHandle<dev.kabuki.actors.ShutdownReport> shutdown = system.terminate();
        try {
            assertThat(stopping.await(30, TimeUnit.SECONDS)).isTrue();
            try (LineClient late = new LineClient(server.port())) {
                assertThat(late.readLine()).as("the late connection is closed at once").isNull();
            }
            assertThat(server.metrics().rejected()).isEqualTo(1);
            assertThat(server.metrics().accepted()).isZero();
        } finally {
            letStop.countDown();
        }
        assertThat(shutdown.join(Duration.ofSeconds(30)).clean()).isTrue();
    }

    @Test
    void aSystemThatNeverOpensASocketStartsNoIoThread() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("no-io").build()) {
            system.spawn(() -> 1).join();
            assertThat(threadsNamed("no-io-io-")).isEmpty();
        }
    }

    @Test
    void aClientConnectsWithTheSameConnectionActorModel() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("client-test").build()) {
            TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> (ctx, event) -> {
                if (event instanceof TcpEvent.Received<String>(String line)) {
                    conn.write(line.toUpperCase());
                }
            });
            ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
            CountDownLatch two = new CountDownLatch(2);
            JoinHandle<TcpConnection<String>> connecting = TcpClient.connect(system, server.address(),
                    Framing.lines(64), conn -> (ctx, event) -> {
                        if (event instanceof TcpEvent.Received<String>(String line)) {
                            got.add(line);
                            two.countDown();
                        }
                    });
            TcpConnection<String> conn = connecting.join(Duration.ofSeconds(30));
            assertThat(conn.isOpen()).isTrue();
            assertThat(conn.remoteAddress().getPort()).isEqualTo(server.port());
            conn.write("abc");
            conn.write("def");
            assertThat(two.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(got).containsExactly("ABC", "DEF");
            conn.close();
            await("closed", () -> conn.closeReason().isPresent());
            assertThat(conn.closeReason().orElseThrow().kind()).isEqualTo(CloseReason.Kind.CLOSED_BY_HANDLER);
            await("server side closed", () -> server.metrics().open() == 0);
        }
    }

    @Test
    void aRefusedConnectFailsTheHandleWithConnectException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } // closed: nothing listens there now
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("refused-test").build()) {
            JoinHandle<TcpConnection<String>> h = TcpClient.connect(system, new InetSocketAddress("127.0.0.1", port),
                    Framing.lines(64), conn -> (ctx, event) -> { });
            assertThatThrownBy(() -> h.join(Duration.ofSeconds(30))).cause()
                    .isInstanceOf(ConnectException.class).hasMessageContaining("connect to /127.0.0.1:" + port);
        }
    }

    @Test
    void aConnectThatGetsNoAnswerFailsAtTheConnectTimeout() throws Exception {
        // A listener with a full accept queue: Linux drops further SYNs, so a connect hangs.
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> fillers = new ArrayList<>();
            boolean hangs = false;
            try {
                for (int i = 0; i < 16 && !hangs; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 300);
                        fillers.add(s);
                    } catch (java.net.SocketTimeoutException timedOut) {
                        hangs = true;
                        s.close();
                    }
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(hangs,
                        "this kernel answers connects to a full accept queue; no peer to time out against");
                try (ActorSystem system = ActorSystem.builder().threadNamePrefix("timeout-test").build()) {
                    long start = System.nanoTime();
                    JoinHandle<TcpConnection<String>> h = TcpClient.connect(system,
                            new InetSocketAddress("127.0.0.1", full.getLocalPort()), Framing.lines(64),
                            conn -> (ctx, event) -> { }, TcpOptions.defaults().withConnectTimeout(Duration.ofMillis(300)));
                    assertThatThrownBy(() -> h.join(Duration.ofSeconds(30))).cause()
                            .isInstanceOf(ConnectException.class).hasMessageContaining("timed out after PT0.3S");
                    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
                }
            } finally {
                for (java.net.Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void anUnresolvedAddressIsRefusedAtOnce() {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("unresolved-test").build()) {
            assertThatThrownBy(() -> TcpClient.connect(system, InetSocketAddress.createUnresolved("example.invalid", 1),
                    Framing.lines(64), conn -> (ctx, event) -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved address");
        }
    }

    sealed interface ProxyMsg permits Net, Answer {
    }

    record Net(TcpEvent<String> event) implements ProxyMsg {
    }

    record Answer(String text) implements ProxyMsg {
    }

    record Shout(String text, ActorRef<String> replyTo) {
    }

    /** A handler with its own message type: asks another actor per line, answers from the piped reply. */
    record Proxy(TcpConnection<String> conn, ActorRef<Shout> shouter) implements Actor<ProxyMsg> {
        @Override
        public void receive(ActorContext<ProxyMsg> ctx, ProxyMsg msg) {
            switch (msg) {
                case Net(TcpEvent.Received<String>(String line)) ->
                        ctx.<Shout, String>ask(shouter, replyTo -> new Shout(line, replyTo), Duration.ofSeconds(10),
                                (String text, Throwable err) -> new Answer(err == null ? text : "error " + err));
                case Net n -> { }
                case Answer(String text) -> conn.write(text);
            }
        }
    }

    @Test
    void aHandlerWithItsOwnMessageTypeAsksOtherActorsAndAnswersFromThePipedReply() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("adapter-test").build()) {
            ActorRef<Shout> shouter = system.spawnActor("shouter",
                    () -> (ctx, s) -> s.replyTo().tell(s.text().toUpperCase() + "!"));
            TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64),
                    conn -> new Proxy(conn, shouter), Net::new, TcpOptions.defaults());
            try (LineClient c = new LineClient(server.port())) {
                c.send("hey\n");
                assertThat(c.readLine()).isEqualTo("HEY!");
            }
        }
    }

    @Test
    void theCurrentThreadFlavourServesConnectionsInsideBlockOn() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("ct-test")
                .flavor(ActorSystem.Flavor.CURRENT_THREAD).build()) {
            TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> (ctx, event) -> {
                if (event instanceof TcpEvent.Received<String>(String line)) {
                    conn.write("ct " + line);
                }
            });
            try (LineClient c = new LineClient(server.port())) {
                c.send("one\n");
                JoinHandle<String> reply = system.spawnBlocking(c::readLine);
                assertThat(system.blockOn(() -> reply.join())).isEqualTo("ct one");
            }
        }
    }
}
