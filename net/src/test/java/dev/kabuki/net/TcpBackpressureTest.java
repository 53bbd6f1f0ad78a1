package dev.kabuki.net;

import static dev.kabuki.net.TcpServerTest.ANY;
import static dev.kabuki.net.TcpServerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpBackpressureTest {
    ActorSystem system;

    @BeforeEach
    void start() {
        system = ActorSystem.builder().threadNamePrefix("bp-test").build();
    }

    @AfterEach
    void stop() {
        system.close();
    }

    @Test
    void aHandlerThatDoesNotKeepUpStopsTheDriverReadingSoThePeerIsPushedBack() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger maxMailbox = new AtomicInteger();
        TcpOptions options = TcpOptions.defaults().withInboundWaterMarks(2, 8).withReadBufferSize(1024);
        TcpServer server = TcpServer.bind(system, ANY, Framing.lengthPrefixed(1024), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Received<byte[]>) {
                maxMailbox.accumulateAndGet(ctx.self().mailboxDepth(), Math::max);
                received.incrementAndGet();
                // The first frame blocks this handler until the test has seen the peer pushed back.
                // (A handler must never block; this one does so on purpose, on a blocking thread.)
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            }
        }, options.withHandlerOptions(options.handlerOptions().runOnBlockingDispatcher()));
        try (SocketChannel peer = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()))) {
            peer.configureBlocking(false);
            peer.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 16 << 10);
            ByteBuffer frame = newFrame();
            long sentFrames = 0;
            long stalledSince = 0;
            // Write frames until the socket has refused bytes for a while: TCP's window is full
            // because the server stopped reading.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                int n = peer.write(frame);
                if (!frame.hasRemaining()) {
                    sentFrames++;
                    frame = newFrame();
                }
                if (n == 0) {
                    if (stalledSince == 0) {
                        stalledSince = System.nanoTime();
                    } else if (System.nanoTime() - stalledSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                        break;
                    }
                    Thread.onSpinWait();
                } else {
                    stalledSince = 0;
                }
            }
            assertThat(stalledSince).as("the peer's writes stalled").isNotZero();
            long framesIn = server.metrics().framesIn();
            // The driver delivered at most the high-water mark plus what one read held (1 KiB reads hold 1 frame).
            assertThat(framesIn).isLessThanOrEqualTo(8 + 2);
            assertThat(sentFrames).isGreaterThan(framesIn + 10); // the rest waits in TCP's buffers
            gate.countDown();
            // Once the handler catches up the driver reads again, and everything arrives.
            peer.configureBlocking(true);
            if (frame.position() > 0) {
                while (frame.hasRemaining()) {
                    peer.write(frame);
                }
                sentFrames++;
            }
            long total = sentFrames;
            await("all frames delivered", () -> received.get() >= total);
            assertThat(received.get()).isEqualTo(total);
        }
        assertThat(maxMailbox.get()).isLessThanOrEqualTo(8 + 2);
    }

    @Test
    void aPeerThatNeverReadsIsClosedAtTheOutboundLimitAndQueuedBytesStayBounded() throws Exception {
        long limit = 256 << 10;
        AtomicLong maxQueued = new AtomicLong();
        AtomicReference<CloseReason> reason = new AtomicReference<>();
        ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        CountDownLatch closed = new CountDownLatch(1);
        TcpOptions options = TcpOptions.defaults().withOutboundLimits(32 << 10, 64 << 10, limit,
                TcpOptions.OutboundOverflow.CLOSE);
        byte[] chunk = new byte[8 << 10];
        // On each line the handler writes 8 KiB chunks for as long as the connection takes them.
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> new Actor<TcpEvent<String>>() {
            @Override
            public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
                switch (event) {
                    case TcpEvent.Received<String> r -> {
                        String s = new String(chunk, java.nio.charset.StandardCharsets.ISO_8859_1);
                        for (int i = 0; i < 1000 && conn.write(s); i++) {
                            maxQueued.accumulateAndGet(conn.queuedBytes(), Math::max);
                        }
                    }
                    case TcpEvent.Unwritable<String> u -> events.add("unwritable");
                    case TcpEvent.Writable<String> w -> events.add("writable");
                    case TcpEvent.Closed<String>(CloseReason why) -> {
                        reason.set(why);
                        closed.countDown();
                    }
                    default -> { }
                }
            }
        }, options);
        try (Socket peer = smallWindowPeer(server.port())) {
            peer.getOutputStream().write("go\n".getBytes());
            assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(reason.get().kind()).isEqualTo(CloseReason.Kind.OUTBOUND_OVERFLOW);
        assertThat(reason.get().message()).contains("the peer is not reading");
        assertThat(maxQueued.get()).isLessThanOrEqualTo(limit);
        assertThat(events).startsWith("unwritable");
        assertThat(server.metrics().closed(CloseReason.Kind.OUTBOUND_OVERFLOW)).isEqualTo(1);
    }

    @Test
    void refuseWriteKeepsTheConnectionAndWritableFollowsOnceThePeerReads() throws Exception {
        ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        AtomicLong written = new AtomicLong();
        AtomicInteger refused = new AtomicInteger();
        TcpOptions options = TcpOptions.defaults().withOutboundLimits(16 << 10, 32 << 10, 128 << 10,
                TcpOptions.OutboundOverflow.REFUSE_WRITE);
        byte[] payload = new byte[4096];
        TcpServer server = TcpServer.bind(system, ANY, Framing.lines(64), conn -> new Actor<TcpEvent<String>>() {
            @Override
            public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
                switch (event) {
                    case TcpEvent.Received<String> r -> {
                        String s = new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1);
                        for (int i = 0; i < 4000; i++) { // 16 MB: more than the socket buffers take
                            if (conn.write(s)) {
                                written.addAndGet(payload.length + 1);
                            } else {
                                refused.incrementAndGet();
                            }
                        }
                        events.add("burst");
                    }
                    case TcpEvent.Unwritable<String> u -> events.add("unwritable");
                    case TcpEvent.Writable<String> w -> events.add("writable");
                    default -> { }
                }
            }
        }, options);
        try (Socket peer = smallWindowPeer(server.port())) {
            peer.getOutputStream().write("go\n".getBytes());
            await("burst done", () -> events.contains("burst"));
            assertThat(refused.get()).isPositive();
            InputStream in = peer.getInputStream();
            long total = written.get();
            assertThat(in.readNBytes((int) total)).hasSize((int) total); // everything accepted arrives
            await("writable again", () -> events.contains("writable"));
            assertThat(List.copyOf(events)).containsSubsequence("unwritable", "writable");
        }
    }

    @Test
    void writesFromManyThreadsToOneConnectionAllArriveEachThreadsInOrder() throws Exception {
        int threads = 8;
        int perThread = 20_000;
        AtomicReference<TcpConnection<byte[]>> connection = new AtomicReference<>();
        CountDownLatch connected = new CountDownLatch(1);
        TcpServer server = TcpServer.bind(system, ANY, Framing.lengthPrefixed(64), conn -> (ctx, event) -> {
            if (event instanceof TcpEvent.Connected<byte[]>) {
                connection.set(conn);
                connected.countDown();
            }
        }, TcpOptions.defaults().withOutboundLimits(1 << 20, 2 << 20, 1L << 40, TcpOptions.OutboundOverflow.CLOSE));
        try (Socket peer = new Socket("127.0.0.1", server.port())) {
            peer.setSoTimeout(30_000);
            assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
            TcpConnection<byte[]> conn = connection.get();
            List<Thread> writers = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        byte[] m = ByteBuffer.allocate(8).putInt(id).putInt(i).array();
                        if (!conn.write(m)) {
                            throw new AssertionError("write refused at " + i);
                        }
                    }
                }));
            }
            go.countDown();
            DataInputStream in = new DataInputStream(peer.getInputStream());
            int[] next = new int[threads];
            for (int n = 0; n < threads * perThread; n++) {
                assertThat(in.readInt()).isEqualTo(8);
                int id = in.readInt();
                int seq = in.readInt();
                assertThat(seq).as("thread %d's messages in order", id).isEqualTo(next[id]);
                next[id]++;
            }
            for (Thread w : writers) {
                w.join();
            }
            await("all counted", () -> conn.queuedBytes() == 0);
        }
    }

    @Test
    void aHandlerThatSuspendsReadingWhileUnwritableHoldsBackAPeerThatSendsWithoutReading() throws Exception {
        // The limit must hold what is already on its way when the handler suspends: up to
        // inboundHighWater chunks of readBufferSize bytes each (16 x 16 KiB), plus the high mark.
        TcpOptions options = TcpOptions.defaults().withOutboundLimits(16 << 10, 32 << 10, 1 << 20,
                TcpOptions.OutboundOverflow.CLOSE).withInboundWaterMarks(4, 16).withReadBufferSize(16 << 10);
        AtomicLong maxQueued = new AtomicLong();
        TcpServer server = TcpServer.bind(system, ANY, Framing.raw(), conn -> (ctx, event) -> {
            switch (event) {
                case TcpEvent.Received<ByteBuffer>(ByteBuffer chunk) -> {
                    conn.write(chunk);
                    maxQueued.accumulateAndGet(conn.queuedBytes(), Math::max);
                }
                case TcpEvent.Unwritable<ByteBuffer> full -> conn.suspendReading();
                case TcpEvent.Writable<ByteBuffer> drained -> conn.resumeReading();
                default -> { }
            }
        }, options);
        try (Socket peer = smallWindowPeer(server.port())) {
            // send 64 MiB without reading: far more than the limit and the kernel buffers hold
            java.io.OutputStream out = peer.getOutputStream();
            Thread writer = Thread.ofPlatform().start(() -> {
                byte[] block = new byte[64 << 10];
                try {
                    for (int i = 0; i < 1024; i++) {
                        out.write(block);
                    }
                } catch (IOException e) {
                    // the test fails below if the server closed us
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(server.metrics().bytesIn() > 0 && stalled(server))) {
                assertThat(System.nanoTime()).as("the peer's writes stall").isLessThan(deadline);
            }
            assertThat(writer.isAlive()).as("the writer is held back").isTrue();
            assertThat(server.metrics().closed(CloseReason.Kind.OUTBOUND_OVERFLOW)).isZero();
            // now read everything: the echo resumes and all 64 MiB come back
            InputStream in = peer.getInputStream();
            long got = 0;
            byte[] buf = new byte[64 << 10];
            while (got < (64L << 20)) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                got += n;
            }
            writer.join();
        }
        assertThat(maxQueued.get()).isLessThanOrEqualTo(1 << 20);
        assertThat(server.metrics().closed(CloseReason.Kind.OUTBOUND_OVERFLOW)).isZero();
    }

    /** Whether the server's input has stopped moving for 300 ms (the peer is held back). */
    private static boolean stalled(TcpServer server) throws InterruptedException {
        long before = server.metrics().bytesIn();
        Thread.sleep(300); // observing that nothing moves takes a window of time by definition
        return server.metrics().bytesIn() == before;
    }

    private static ByteBuffer newFrame() {
        ByteBuffer frame = ByteBuffer.allocate(4 + 1000);
        frame.putInt(1000).position(frame.capacity()).flip();
        return frame;
    }

    /** A peer with a small receive window, set before connecting so the window is small from the start. */
    static Socket smallWindowPeer(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(8 << 10);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return s;
    }
}
