package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link EchoServer} over real sockets on 127.0.0.1: every byte comes back, in order. */
@Timeout(120)
class EchoServerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private ActorSystem system;
    private TcpServer server;

    @BeforeEach
    void startServer() {
        system = ActorSystem.builder().threadNamePrefix("echo-test").build();
        server = EchoServer.start(system, "127.0.0.1", 0, TcpOptions.defaults());
    }

    @AfterEach
    void stopServer() {
        system.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout((int) DEADLINE.toMillis()); // a lost echo fails the read instead of hanging
        s.setTcpNoDelay(true);
        return s;
    }

    /** Fails if an echo is lost, cut, reordered or mixed with another connection's bytes. */
    @Test
    void hundredConcurrentClientsGetEveryByteOfAThousandMessagesBack() throws Exception {
        int clients = 100;
        int messages = 1000;
        CountDownLatch allConnected = new CountDownLatch(clients);
        List<Future<Long>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    try (Socket s = connect()) {
                        allConnected.countDown();
                        assertThat(allConnected.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
                        return roundTrips(s, client, messages);
                    }
                }));
            }
            long total = 0;
            for (Future<Long> r : results) {
                total += r.get(90, TimeUnit.SECONDS);
            }
            long sent = total;
            assertThat(server.metrics().accepted()).isEqualTo(clients);
            await().atMost(DEADLINE).until(() -> server.metrics().bytesOut() == sent);
            assertThat(server.metrics().bytesIn()).isEqualTo(sent);
        }
    }

    /** One message at a time: write it, read exactly its bytes back, compare. Returns the bytes sent. */
    private static long roundTrips(Socket s, int client, int messages) throws IOException {
        Random random = new Random(client);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        long bytes = 0;
        for (int i = 0; i < messages; i++) {
            // mostly small, every 50th up to 16 KiB: echoes of one write may come back in several chunks
            byte[] message = new byte[1 + random.nextInt(i % 50 == 0 ? 16 << 10 : 512)];
            random.nextBytes(message);
            out.write(message);
            byte[] echo = in.readNBytes(message.length);
            if (!Arrays.equals(echo, message)) {
                throw new AssertionError("client " + client + ", message " + i + " (" + message.length
                        + " bytes): the echo differs (" + echo.length + " bytes read)");
            }
            bytes += message.length;
        }
        return bytes;
    }

    /** Fails if small chunks are lost or reordered when many reads each carry a few bytes. */
    @Test
    void manySmallWritesComeBackInOrder() throws Exception {
        int writes = 100_000;
        byte[] stream = new byte[writes * 8];
        new Random(7).nextBytes(stream);
        int[] sizes = new Random(8).ints(writes, 1, 9).toArray();
        long total = Arrays.stream(sizes).asLongStream().sum();
        try (Socket s = connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream(); // unbuffered: one write per chunk
                    int offset = 0;
                    for (int size : sizes) {
                        out.write(stream, offset, size);
                        offset += size;
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echo = s.getInputStream().readNBytes((int) total);
            writer.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(echo).isEqualTo(Arrays.copyOf(stream, (int) total));
        }
        assertThat(server.metrics().framesIn()).as("chunks the server read").isGreaterThan(1);
    }

    /** Fails if a large write is cut, or the echo of a big burst is not flushed to the end. */
    @Test
    void oneMebibyteBlobComesBackWhole() throws Exception {
        byte[] blob = new byte[1 << 20];
        new Random(42).nextBytes(blob);
        try (Socket s = connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(blob);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echo = s.getInputStream().readNBytes(blob.length);
            writer.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(echo).isEqualTo(blob);
        }
        await().atMost(DEADLINE).until(() -> server.metrics().bytesOut() == blob.length);
        assertThat(server.metrics().bytesIn()).isEqualTo(blob.length);
    }
}
