package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.CloseReason;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ChatServer} over real sockets on 127.0.0.1, driven by {@link ChatClient}s. */
@Timeout(120)
class ChatServerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private ActorSystem system;
    private TcpServer server;
    private final BlockingQueue<ChatRoom.Departure> departures = new LinkedBlockingQueue<>();

    @BeforeEach
    void startSystem() {
        system = ActorSystem.builder().threadNamePrefix("chat-test").build();
    }

    @AfterEach
    void stopSystem() {
        system.close();
    }

    private int startServer(TcpOptions options) {
        server = ChatServer.start(system, "127.0.0.1", 0, options, departures::add);
        return server.port();
    }

    private int startServer() {
        return startServer(ChatServer.options(ChatServer.DEFAULT_OUTBOUND_LIMIT, Duration.ZERO));
    }

    private ChatRoom.Departure nextDeparture() throws InterruptedException {
        ChatRoom.Departure d = departures.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(d).as("a departure within %s", DEADLINE).isNotNull();
        return d;
    }

    @Test
    void nickIsConfirmedToTheSenderAndAnnouncedToTheOthers() throws Exception {
        int port = startServer();
        try (ChatClient a = ChatClient.join(port); ChatClient b = ChatClient.join(port); ChatClient c = ChatClient.join(port)) {
            a.expect("* " + b.guestName + " joined");
            a.expect("* " + c.guestName + " joined");
            b.expect("* " + c.guestName + " joined");

            a.send("/nick alice");
            a.expect("* you are now alice");
            b.expect("* " + a.guestName + " is now alice");
            c.expect("* " + a.guestName + " is now alice");

            b.send("/nick alice");
            b.expect("* alice is taken");
            b.send("/nick guest-99");
            assertThat(b.readLine()).startsWith("* invalid name 'guest-99'");
            b.send("/nick two words");
            assertThat(b.readLine()).startsWith("* invalid name 'two words'");
            b.send("/nick bob");
            b.expect("* you are now bob");
            // The refusals went to b alone: the next line the others get is the rename.
            a.expect("* " + b.guestName + " is now bob");
            c.expect("* " + b.guestName + " is now bob");

            a.send("hello, world");
            b.expect("alice: hello, world");
            c.expect("alice: hello, world");
            c.send("hi alice");
            a.expect(c.guestName + ": hi alice");
            b.expect(c.guestName + ": hi alice");
        }
    }

    /** Fails if a line is lost, duplicated, reordered per sender, or echoed to its own sender. */
    @Test
    void everyLineReachesEveryOtherMemberInTheOrderSent() throws Exception {
        int port = startServer();
        int members = 3;
        int lines = 500;
        List<ChatClient> clients = joinAll(port, members);
        try (ExecutorService pool = Executors.newFixedThreadPool(2 * members)) {
            List<Future<List<String>>> received = new ArrayList<>();
            for (ChatClient client : clients) {
                received.add(pool.submit(() -> readLines(client, (members - 1) * lines)));
            }
            for (int i = 0; i < members; i++) {
                ChatClient client = clients.get(i);
                pool.submit(() -> {
                    for (int k = 0; k < lines; k++) {
                        client.send("line " + k);
                    }
                    return null;
                });
            }
            for (int i = 0; i < members; i++) {
                List<String> got = received.get(i).get(60, TimeUnit.SECONDS);
                for (int j = 0; j < members; j++) {
                    if (j != i) {
                        List<String> expected = new ArrayList<>();
                        for (int k = 0; k < lines; k++) {
                            expected.add(clients.get(j).guestName + ": line " + k);
                        }
                        assertThat(linesFrom(got, clients.get(j).guestName)).as("member %d from member %d", i, j)
                                .isEqualTo(expected);
                    }
                }
            }
        } finally {
            closeAll(clients);
        }
    }

    @Test
    void joinsAndDeparturesAreAnnouncedToTheOthers() throws Exception {
        int port = startServer();
        try (ChatClient a = ChatClient.join(port)) {
            ChatClient b = ChatClient.join(port);
            a.expect("* " + b.guestName + " joined");
            b.send("/nick bob");
            b.expect("* you are now bob");
            a.expect("* " + b.guestName + " is now bob");
            b.send("/quit");
            b.expectEndOfStream();
            a.expect("* bob left");
            b.close();
            ChatRoom.Departure quit = nextDeparture();
            assertThat(quit.name()).isEqualTo("bob");
            assertThat(quit.reason().kind()).isEqualTo(CloseReason.Kind.CLOSED_BY_HANDLER);
            assertThat(quit.peer().getPort()).isEqualTo(b.localPort());

            ChatClient c = ChatClient.join(port);
            a.expect("* " + c.guestName + " joined");
            c.close(); // the client goes away without /quit
            a.expect("* " + c.guestName + " left");
            ChatRoom.Departure gone = nextDeparture();
            assertThat(gone.name()).isEqualTo(c.guestName);
            assertThat(gone.reason().kind()).isEqualTo(CloseReason.Kind.PEER_CLOSED);

            // The room no longer writes to them: a's line reaches nobody, and a newcomer is announced next.
            a.send("anyone?");
            ChatClient d = ChatClient.join(port);
            a.expect("* " + d.guestName + " joined");
            d.close();
        }
    }

    @Test
    void lineLongerThanTheLimitDisconnectsOnlyItsSender() throws Exception {
        int port = startServer();
        try (ChatClient a = ChatClient.join(port); ChatClient b = ChatClient.join(port)) {
            a.expect("* " + b.guestName + " joined");
            b.send("x".repeat(ChatServer.MAX_LINE_BYTES + 1));
            b.expectEndOfStream();
            a.expect("* " + b.guestName + " was disconnected (line too long)");
            assertThat(nextDeparture().reason().kind()).isEqualTo(CloseReason.Kind.DECODING_FAILED);
            try (ChatClient c = ChatClient.join(port)) {
                a.expect("* " + c.guestName + " joined");
                c.send("x".repeat(ChatServer.MAX_LINE_BYTES)); // the longest line allowed
                a.expect(c.guestName + ": " + "x".repeat(ChatServer.MAX_LINE_BYTES));
            }
        }
    }

    @Test
    void clientThatSendsNothingIsDisconnectedAfterTheIdleTimeout() throws Exception {
        int port = startServer(ChatServer.options(ChatServer.DEFAULT_OUTBOUND_LIMIT, Duration.ofSeconds(1)));
        try (ChatClient a = ChatClient.join(port)) {
            a.expectEndOfStream();
            ChatRoom.Departure d = nextDeparture();
            assertThat(d.name()).isEqualTo(a.guestName);
            assertThat(d.reason().kind()).isEqualTo(CloseReason.Kind.IDLE_TIMEOUT);
            assertThat(server.metrics().closed(CloseReason.Kind.IDLE_TIMEOUT)).isEqualTo(1);
        }
    }

    /**
     * One member connects with a small receive buffer and never reads, while four others chat
     * in long lines until the server gives up on it. Fails if the slow member is not
     * disconnected, if the server queued more than the limit for it, or if any other member
     * misses a line, gets one out of order, or sees the room's lines in another order than the
     * rest.
     *
     * <p>The senders keep at most a few rounds unread by each fast member, so only the
     * member that does not read can reach the limit however slowly the test's readers run.
     */
    @Test
    void memberThatStopsReadingIsDisconnectedAtTheOutboundLimitWhileTheOthersGetEveryLine() throws Exception {
        long limit = ChatServer.DEFAULT_OUTBOUND_LIMIT;
        int port = startServer(ChatServer.options(limit, Duration.ZERO));
        int fastCount = 4;
        List<ChatClient> fast = joinAll(port, fastCount);
        Set<String> fastNames = new HashSet<>();
        fast.forEach(f -> fastNames.add(f.guestName));
        List<List<String>> received = new ArrayList<>();
        List<List<String>> sent = new ArrayList<>();
        String padding = "x".repeat(4000);
        int window = 4;
        int linesPerRound = fastCount - 1;
        // credits.get(i): chat lines member i may still be sent before it has read more (each
        // line it reads from another fast member gives one back).
        List<Semaphore> credits = new ArrayList<>();
        try (ExecutorService readers = Executors.newFixedThreadPool(fastCount); Socket slow = new Socket()) {
            List<Future<?>> reading = new ArrayList<>();
            for (ChatClient f : fast) {
                List<String> lines = Collections.synchronizedList(new ArrayList<>());
                received.add(lines);
                sent.add(new ArrayList<>());
                Semaphore credit = new Semaphore(window * linesPerRound);
                credits.add(credit);
                Set<String> others = new HashSet<>(fastNames);
                others.remove(f.guestName);
                reading.add(readers.submit(() -> readUntilEveryoneSaidEnd(f, others, lines, credit)));
            }
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress("127.0.0.1", port));
            String slowName = await().atMost(DEADLINE).until(() -> joinedOtherThan(received.get(0), fastNames),
                    name -> name != null);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int rounds = 0;
            while (server.metrics().closed(CloseReason.Kind.OUTBOUND_OVERFLOW) == 0) {
                assertThat(System.nanoTime() - deadline).as("slow member still connected after %d rounds", rounds)
                        .isNegative();
                for (int i = 0; i < fastCount; i++) {
                    assertThat(credits.get(i).tryAcquire(linesPerRound, 30, TimeUnit.SECONDS))
                            .as("member %d reads the room's lines (round %d)", i, rounds).isTrue();
                }
                for (int i = 0; i < fastCount; i++) {
                    String text = "r" + rounds + " " + padding;
                    fast.get(i).send(text);
                    sent.get(i).add(text);
                }
                rounds++;
            }
            // The metric counts the close before the room hears of it; the room broadcasts the departure
            // before it reports it, so waiting for the report puts that line ahead of every "end" below.
            ChatRoom.Departure d = nextDeparture();
            for (int i = 0; i < fastCount; i++) {
                fast.get(i).send("end");
                sent.get(i).add("end");
            }
            for (Future<?> r : reading) {
                r.get(60, TimeUnit.SECONDS);
            }

            // The slow member, and only it, was closed for overflow, having had at most the limit queued.
            assertThat(d.name()).isEqualTo(slowName);
            assertThat(d.reason().kind()).isEqualTo(CloseReason.Kind.OUTBOUND_OVERFLOW);
            assertThat(d.peer().getPort()).isEqualTo(slow.getLocalPort());
            Matcher queued = Pattern.compile("\\((\\d+) queued\\)").matcher(d.reason().message());
            assertThat(queued.find()).as("queued bytes in '%s'", d.reason().message()).isTrue();
            long queuedBytes = Long.parseLong(queued.group(1));
            int longestLine = (slowName.length() + 2) + ("r" + rounds + " " + padding).length() + 1;
            assertThat(queuedBytes).isLessThanOrEqualTo(limit).isGreaterThan(limit - longestLine);
            assertThat(departures).isEmpty();
            assertThat(server.metrics().closed(CloseReason.Kind.OUTBOUND_OVERFLOW)).isEqualTo(1);
            assertThat(server.metrics().closedTotal()).isEqualTo(1);
            assertThat(server.connectionCount()).isEqualTo(fastCount);

            // Its socket ends: what the kernel had buffered, then end of stream or a reset.
            slow.setSoTimeout(ChatClient.READ_TIMEOUT_MILLIS);
            assertThat(drainToEnd(slow.getInputStream())).isPositive();

            // Every fast member got every other fast member's lines, in order, and not its own.
            String gone = "* " + slowName + " was disconnected (not reading)";
            for (int i = 0; i < fastCount; i++) {
                List<String> got = received.get(i);
                assertThat(linesFrom(got, fast.get(i).guestName)).as("own lines echoed to %d", i).isEmpty();
                assertThat(got.stream().filter(gone::equals).count()).as("departure seen by %d", i).isEqualTo(1);
                for (int j = 0; j < fastCount; j++) {
                    if (j != i) {
                        String sender = fast.get(j).guestName;
                        List<String> expected = sent.get(j).stream().map(t -> sender + ": " + t).toList();
                        assertThat(linesFrom(got, sender)).as("member %d from member %d", i, j)
                                .isEqualTo(expected);
                    }
                }
            }
            // One room, one order: any two members saw the lines they both got in the same order.
            for (int i = 0; i < fastCount; i++) {
                for (int k = i + 1; k < fastCount; k++) {
                    Set<String> excluded = Set.of(fast.get(i).guestName, fast.get(k).guestName);
                    assertThat(common(received.get(k), excluded, gone)).as("members %d and %d", i, k)
                            .isEqualTo(common(received.get(i), excluded, gone));
                }
            }
        } finally {
            closeAll(fast);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Joins {@code n} clients one after another and reads the join announcements of the later ones. */
    private static List<ChatClient> joinAll(int port, int n) throws IOException {
        List<ChatClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ChatClient c = ChatClient.join(port);
            for (ChatClient earlier : clients) {
                earlier.expect("* " + c.guestName + " joined");
            }
            clients.add(c);
        }
        return clients;
    }

    private static void closeAll(List<ChatClient> clients) throws IOException {
        for (ChatClient c : clients) {
            c.close();
        }
    }

    private static List<String> readLines(ChatClient client, int count) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String line = client.readLine();
            assertThat(line).as("line %d of %d", i, count).isNotNull();
            lines.add(line);
        }
        return lines;
    }

    private static Void readUntilEveryoneSaidEnd(ChatClient client, Set<String> senders, List<String> into,
            Semaphore credit) throws IOException {
        Set<String> waiting = new HashSet<>();
        senders.forEach(s -> waiting.add(s + ": end"));
        while (!waiting.isEmpty()) {
            String line = client.readLine();
            assertThat(line).as("a line from the room (still waiting for %s)", waiting).isNotNull();
            into.add(line);
            waiting.remove(line);
            int colon = line.indexOf(": ");
            if (colon > 0 && senders.contains(line.substring(0, colon))) {
                credit.release();
            }
        }
        return null;
    }

    /** The chat lines in {@code lines} said by {@code name}. */
    private static List<String> linesFrom(List<String> lines, String name) {
        String prefix = name + ": ";
        synchronized (lines) {
            return lines.stream().filter(l -> l.startsWith(prefix)).toList();
        }
    }

    /** The name in the first {@code * NAME joined} line for a name not in {@code known}, or null. */
    private static String joinedOtherThan(List<String> lines, Set<String> known) {
        Pattern joined = Pattern.compile("\\* (\\S+) joined");
        synchronized (lines) {
            for (String line : lines) {
                Matcher m = joined.matcher(line);
                if (m.matches() && !known.contains(m.group(1))) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    /** The chat lines of senders not in {@code excluded}, and the line {@code announcement}, in order. */
    private static List<String> common(List<String> lines, Set<String> excluded, String announcement) {
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(": ");
            boolean chat = !line.startsWith("* ") && colon > 0;
            if (line.equals(announcement) || chat && !excluded.contains(line.substring(0, colon))) {
                kept.add(line);
            }
        }
        return kept;
    }

    /** Reads until end of stream or a reset; the bytes read. */
    private static long drainToEnd(InputStream in) throws IOException {
        byte[] buffer = new byte[64 << 10];
        long total = 0;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // a reset ends it too
        }
        return total;
    }
}
