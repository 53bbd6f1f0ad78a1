package dev.kabuki.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpServerTest {
    static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);
    ActorSystem system;
    /** Every Closed event any handler got. */
    final ConcurrentLinkedQueue<CloseReason> closes = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() {
        system = ActorSystem.builder().threadNamePrefix("net-test").build();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    /** Answers each line with "echo " + line; records how it closed. */
    final class Echo implements Actor<TcpEvent<String>> {
        final TcpConnection<String> conn;

        Echo(TcpConnection<String> conn) {
            this.conn = conn;
        }

        @Override
        public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
            switch (event) {
                case TcpEvent.Received<String>(String line) -> {
                    if (line.equals("boom")) {
                        throw new IllegalStateException("handler asked to fail");
                    }
                    if (line.equals("bye")) {
                        conn.write("bye!");
                        conn.close();
                    } else {
                        conn.write("echo " + line);
                    }
                }
                case TcpEvent.Closed<String>(CloseReason reason) -> closes.add(reason);
                default -> { }
            }
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5); // polling a condition with a deadline, not waiting for time to pass
        }
    }

    @Test
    void framesSplitAcrossReadsAndManyFramesInOneReadArriveWhole() throws Exception {
        // a 64-byte read buffer splits every line below across reads, at shifting offsets
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(4096), Echo::new,
                TcpOptions.defaults().withReadBufferSize(64));
        StringBuilder batch = new StringBuilder();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String line = "line-" + i + "-" + "x".repeat(i % 150);
            sent.add(line);
            batch.append(line).append(i % 2 == 0 ? "\n" : "\r\n");
        }
        try (LineClient c = new LineClient(server.port())) {
            c.send(batch.toString()); // many frames per read, and frames across reads
            for (String line : sent) {
                assertThat(c.readLine()).isEqualTo("echo " + line);
            }
            byte[] one = "split-one-byte-at-a-time\n".getBytes(StandardCharsets.UTF_8);
            for (byte b : one) { // the peer writes one byte per segment
                c.socket.getOutputStream().write(b);
                c.socket.getOutputStream().flush();
            }
            assertThat(c.readLine()).isEqualTo("echo split-one-byte-at-a-time");
        }
        assertThat(server.metrics().framesIn()).isEqualTo(201);
    }

    @Test
    void aThousandConcurrentConnectionsEachGetTheirOwnAnswers() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(256), Echo::new);
        int connections = 1000;
        int rounds = 5;
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Integer>> done = new ArrayList<>();
            CountDownLatch allConnected = new CountDownLatch(connections);
            for (int i = 0; i < connections; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    try (LineClient c = new LineClient(server.port())) {
                        allConnected.countDown();
                        allConnected.await(60, TimeUnit.SECONDS); // all 1000 open at once
                        for (int r = 0; r < rounds; r++) {
                            String msg = "client-" + id + "-round-" + r;
                            c.send(msg + "\n");
                            assertThat(c.readLine()).isEqualTo("echo " + msg);
                        }
                        return rounds;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(90, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(connections * rounds);
        } finally {
            pool.shutdownNow();
        }
        await("all closed", () -> server.metrics().open() == 0);
        TcpServerMetrics m = server.metrics();
        assertThat(m.accepted()).isEqualTo(connections);
        assertThat(m.framesIn()).isEqualTo(connections * rounds);
        assertThat(m.framesOut()).isEqualTo(connections * rounds);
        assertThat(m.closed(CloseReason.Kind.PEER_CLOSED)).isEqualTo(connections);
    }

    @Test
    void anOversizedLineClosesThatConnectionWithAReasonAndTheServerGoesOn() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(16), Echo::new);
        try (LineClient other = new LineClient(server.port()); LineClient bad = new LineClient(server.port())) {
            other.send("before\n");
            assertThat(other.readLine()).isEqualTo("echo before");
            bad.send("ok\n" + "y".repeat(100));
            assertThat(bad.readLine()).isEqualTo("echo ok"); // what was answered before the bad frame is flushed
            assertThat(bad.readsEndOfStream()).isTrue();
            other.send("after\n");
            assertThat(other.readLine()).isEqualTo("echo after");
        }
        await("closed event", () -> closes.stream().anyMatch(r -> r.kind() == CloseReason.Kind.DECODING_FAILED));
        CloseReason reason = closes.stream().filter(r -> r.kind() == CloseReason.Kind.DECODING_FAILED).findFirst().orElseThrow();
        assertThat(reason.cause()).isInstanceOf(DecodingException.class).hasMessageContaining("longer than 16 bytes");
        assertThat(server.metrics().closed(CloseReason.Kind.DECODING_FAILED)).isEqualTo(1);
    }

    @Test
    void anInvalidLengthPrefixClosesThatConnection() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        List<CloseReason> reasons = new ArrayList<>();
        TcpServer server = TcpServer.bind(system, ANY, Framing.lengthPrefixed(1024), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Received<byte[]>(byte[] frame)) {
                conn.write(frame);
            } else if (event instanceof TcpEvent.Closed<byte[]>(CloseReason reason)) {
                reasons.add(reason);
                closed.countDown();
            }
        });
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeInt(3);
            out.write(new byte[] {7, 8, 9});
            assertThat(in.readInt()).isEqualTo(3);
            assertThat(in.readNBytes(3)).containsExactly(7, 8, 9);
            out.writeInt(1 << 30); // a 1 GiB declared frame: refused before anything is allocated
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reasons.get(0).kind()).isEqualTo(CloseReason.Kind.DECODING_FAILED);
        assertThat(reasons.get(0).message()).contains("invalid length prefix 1073741824");
    }

    @Test
    void connectionsAboveTheLimitAreAcceptedClosedAndCountedWhileTheOthersAreServed() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new,
                TcpOptions.defaults().withMaxConnections(3));
        List<LineClient> admitted = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                LineClient c = new LineClient(server.port());
                admitted.add(c);
                c.send("hi " + i + "\n");
                assertThat(c.readLine()).isEqualTo("echo hi " + i);
            }
            for (int i = 0; i < 2; i++) {
                try (LineClient extra = new LineClient(server.port())) {
                    assertThat(extra.readsEndOfStream()).isTrue();
                } catch (SocketException reset) {
                    // closed at once: a reset is as good an answer as end of stream
                }
            }
            assertThat(server.metrics().rejected()).isEqualTo(2);
            for (LineClient c : admitted) {
                c.send("still\n");
                assertThat(c.readLine()).isEqualTo("echo still");
            }
            admitted.remove(0).close(); // a slot frees up once one closes
            await("slot freed", () -> server.metrics().open() == 2);
            try (LineClient c = new LineClient(server.port())) {
                c.send("new\n");
                assertThat(c.readLine()).isEqualTo("echo new");
            }
        } finally {
            for (LineClient c : admitted) {
                c.close();
            }
        }
    }

    @Test
    void aHandlerThatThrowsClosesOnlyItsConnectionWithTheExceptionAsReason() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        try (LineClient ok = new LineClient(server.port()); LineClient failing = new LineClient(server.port())) {
            failing.send("hello\nboom\n");
            assertThat(failing.readLine()).isEqualTo("echo hello");
            assertThat(failing.readsEndOfStream()).isTrue();
            ok.send("fine\n");
            assertThat(ok.readLine()).isEqualTo("echo fine");
        }
        await("counted", () -> server.metrics().closed(CloseReason.Kind.HANDLER_FAILED) == 1);
    }

    @Test
    void slowlorisIsClosedByTheIdleTimeoutWhileAnActiveClientIsNot() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(1024), Echo::new,
                TcpOptions.defaults().withIdleTimeout(Duration.ofMillis(500)));
        try (LineClient slow = new LineClient(server.port()); LineClient active = new LineClient(server.port())) {
            long start = System.nanoTime();
            boolean slowClosed = false;
            // the slow peer trickles bytes that never complete a line; the active one completes lines
            for (int i = 0; i < 400 && !slowClosed; i++) {
                try {
                    slow.send("x");
                } catch (IOException e) {
                    slowClosed = true; // reset: the server closed it
                }
                active.send("ping " + i + "\n");
                assertThat(active.readLine()).isEqualTo("echo ping " + i);
                slowClosed |= server.metrics().closed(CloseReason.Kind.IDLE_TIMEOUT) == 1;
                Thread.sleep(10); // pacing the trickle (this is the slow peer's behaviour under test)
            }
            assertThat(slowClosed).as("slow peer closed").isTrue();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
            assertThat(active.socket.isClosed()).isFalse();
            active.send("still here\n");
            assertThat(active.readLine()).isEqualTo("echo still here");
        }
        assertThat(server.metrics().closed(CloseReason.Kind.IDLE_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void anAbruptResetIsSeenAsResetAndTheServerGoesOn() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        try (LineClient c = new LineClient(server.port())) {
            c.send("a\n");
            assertThat(c.readLine()).isEqualTo("echo a");
            c.socket.setSoLinger(true, 0); // close sends RST
        }
        await("reset seen", () -> closes.stream().anyMatch(r -> r.kind() == CloseReason.Kind.RESET));
        try (LineClient c = new LineClient(server.port())) {
            c.send("b\n");
            assertThat(c.readLine()).isEqualTo("echo b");
        }
    }

    @Test
    void withHalfClosureAllowedTheHandlerSeesPeerClosedAndCanStillAnswer() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> new Actor<TcpEvent<String>>() {
            final List<String> lines = new ArrayList<>();

            @Override
            public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
                switch (event) {
                    case TcpEvent.Received<String>(String line) -> lines.add(line);
                    case TcpEvent.PeerClosed<String> eof -> {
                        conn.write("got " + lines.size() + " lines: " + String.join(",", lines));
                        conn.close();
                    }
                    case TcpEvent.Closed<String>(CloseReason reason) -> {
                        closes.add(reason);
                        closed.countDown();
                    }
                    default -> { }
                }
            }
        }, TcpOptions.defaults().withAllowHalfClosure(true));
        try (LineClient c = new LineClient(server.port())) {
            c.send("1\n2\n3\n");
            c.socket.shutdownOutput();
            assertThat(c.readLine()).isEqualTo("got 3 lines: 1,2,3");
            assertThat(c.readLine()).isNull();
        }
        assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closes).extracting(CloseReason::kind).containsExactly(CloseReason.Kind.CLOSED_BY_HANDLER);
    }

    @Test
    void withoutHalfClosureThePeersEndOfStreamClosesAfterEarlierFramesAreAnswered() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        try (LineClient c = new LineClient(server.port())) {
            c.send("x\ny\n");
            c.socket.shutdownOutput();
            assertThat(c.readLine()).isEqualTo("echo x");
            assertThat(c.readLine()).isEqualTo("echo y");
            assertThat(c.readLine()).isNull();
        }
        await("closed", () -> closes.stream().anyMatch(r -> r.kind() == CloseReason.Kind.PEER_CLOSED));
    }

    @Test
    void gracefulCloseFlushesThenCloses() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        try (LineClient c = new LineClient(server.port())) {
            c.send("bye\n");
            assertThat(c.readLine()).isEqualTo("bye!");
            assertThat(c.readLine()).isNull();
        }
        await("closed", () -> closes.stream().anyMatch(r -> r.kind() == CloseReason.Kind.CLOSED_BY_HANDLER));
    }

    @Test
    void abortResetsThePeer() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Received<String>) {
                conn.abort();
            }
        });
        try (LineClient c = new LineClient(server.port())) {
            c.send("go\n");
            assertThatThrownBy(c::readLine).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
        await("counted", () -> server.metrics().closed(CloseReason.Kind.ABORTED) == 1);
    }

    @Test
    void unbindStopsAcceptingWhileLiveConnectionsGoOnAndCloseEndsThem() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        try (LineClient live = new LineClient(server.port())) {
            live.send("1\n");
            assertThat(live.readLine()).isEqualTo("echo 1");
            server.unbind();
            assertThat(server.isBound()).isFalse();
            await("refused", () -> {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    return false;
                } catch (IOException refused) {
                    return true;
                }
            });
            live.send("2\n");
            assertThat(live.readLine()).isEqualTo("echo 2");
            server.close();
            assertThat(live.readLine()).isNull();
        }
        await("server closed", () -> server.metrics().closed(CloseReason.Kind.SERVER_CLOSED) == 1);
        await("handler told", () -> closes.stream().anyMatch(r -> r.kind() == CloseReason.Kind.SERVER_CLOSED));
    }

    @Test
    void bindingAnAddressInUseSaysWhichAndWhy() {
        TcpServer first = TcpServer.bind(system, ANY, Framing.lines(64), Echo::new);
        assertThatThrownBy(() -> TcpServer.bind(system, new InetSocketAddress("127.0.0.1", first.port()),
                Framing.lines(64), Echo::new))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot bind a TCP server to /127.0.0.1:" + first.port());
    }

    @Test
    void readsRawBytesAndCountsThem() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.raw(), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Received<java.nio.ByteBuffer>(java.nio.ByteBuffer chunk)) {
                conn.write(chunk);
            }
        });
        byte[] blob = new byte[1 << 20];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 31 + 7);
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(blob);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            InputStream in = s.getInputStream();
            byte[] back = in.readNBytes(blob.length);
            assertThat(back).isEqualTo(blob);
            writer.join();
        }
        await("counted", () -> server.metrics().bytesOut() == blob.length);
        assertThat(server.metrics().bytesIn()).isEqualTo(blob.length);
    }

    @Test
    void largeFramesSplitOverManyReadsAndSmallOnesAroundThemArriveWhole() throws Exception {
        TcpServer server = TcpServer.bind(system, ANY, Framing.lengthPrefixed(4 << 20), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Received<byte[]>(byte[] frame)) {
                conn.write(frame);
            }
        });
        int[] sizes = {3, 1 << 20, 10, 40_000, 70_000, 1, 3 << 20, 0, 33_000};
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16));
            DataInputStream in = new DataInputStream(s.getInputStream());
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int size : sizes) {
                        byte[] f = new byte[size];
                        for (int k = 0; k < size; k++) {
                            f[k] = (byte) (k * 7 + size);
                        }
                        out.writeInt(size);
                        out.write(f);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            for (int size : sizes) {
                assertThat(in.readInt()).isEqualTo(size);
                byte[] f = in.readNBytes(size);
                for (int k = 0; k < size; k++) {
                    if (f[k] != (byte) (k * 7 + size)) {
                        throw new AssertionError("frame of " + size + " bytes differs at " + k);
                    }
                }
            }
            writer.join();
        }
    }
}
