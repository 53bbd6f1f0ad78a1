package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.Framing;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A line-based chat server: one room ({@link ChatRoom}, an actor) and one session actor per
 * connection ({@link ChatSession}).
 *
 * <pre>
 * java -cp &lt;class path&gt; dev.kabuki.examples.net.ChatServer [--host 127.0.0.1] [--port 0]
 *     [--outbound-limit 262144] [--idle-timeout 600]
 * </pre>
 * prints {@code listening on <ip>:<port>} on stdout and runs until SIGINT or SIGTERM (see
 * {@link ServerProcess}). Try it with two or more {@code nc 127.0.0.1 <port>}.
 *
 * <h2>Protocol</h2>
 * Lines of UTF-8 text ending in {@code \n}, at most {@value #MAX_LINE_BYTES} bytes (a longer line
 * disconnects its sender).
 * <ul>
 *   <li>{@code /nick NAME}: take a name (1 to 32 letters, digits, '-', '_'; unique; not starting
 *       with {@code guest-}); the sender is told {@code * you are now NAME}, the others
 *       {@code * OLD is now NAME}. Until then a member is {@code guest-<n>}.</li>
 *   <li>{@code /quit}: the server closes the connection.</li>
 *   <li>any other non-blank line goes to every other member as {@code NAME: line}; the sender
 *       does not get its own line back.</li>
 * </ul>
 * Joins and departures are announced to the others ({@code * NAME joined}, {@code * NAME left}).
 *
 * <h2>Slow clients</h2>
 * The room writes to every member without waiting. A client that stops reading has its lines
 * queued on the server up to {@code --outbound-limit} bytes; the write that would pass it
 * disconnects that client ({@code OUTBOUND_OVERFLOW}, logged at INFO with its address), and the
 * others are announced {@code * NAME was disconnected (not reading)}. Nobody else waits for it.
 *
 * <h2>Idle clients</h2>
 * {@code --idle-timeout SECONDS} (0 = never): a client that sends no whole line for that long is
 * disconnected, including one that only reads.
 */
public final class ChatServer {
    /** Most bytes in a line a client sends, without its line end. */
    public static final int MAX_LINE_BYTES = 4096;
    /** The default of {@code --outbound-limit}: 256 KiB. */
    public static final long DEFAULT_OUTBOUND_LIMIT = 256 << 10;
    /** The smallest {@code --outbound-limit}: a few of the longest lines the room can send. */
    public static final long MIN_OUTBOUND_LIMIT = 16 << 10;
    /** The default of {@code --idle-timeout}, in seconds. */
    public static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 600;

    private static final AtomicInteger ROOMS = new AtomicInteger();

    private ChatServer() {
    }

    /**
     * The connection options of a chat server: the outbound limit (with the overflow policy
     * {@link TcpOptions.OutboundOverflow#CLOSE} and water marks below it) and the idle timeout;
     * everything else as {@link TcpOptions#defaults()}.
     *
     * @param outboundLimit bytes queued for one client at most; at least {@value #MIN_OUTBOUND_LIMIT}
     * @param idleTimeout   {@link Duration#ZERO} = never
     * @throws IllegalArgumentException {@code outboundLimit} is too small, or the timeout negative
     */
    public static TcpOptions options(long outboundLimit, Duration idleTimeout) {
        if (outboundLimit < MIN_OUTBOUND_LIMIT) {
            throw new IllegalArgumentException("outboundLimit must be at least " + MIN_OUTBOUND_LIMIT + ", got "
                    + outboundLimit);
        }
        long high = Math.min(64 << 10, outboundLimit / 2);
        return TcpOptions.defaults()
                .withOutboundLimits(high / 2, high, outboundLimit, TcpOptions.OutboundOverflow.CLOSE)
                .withIdleTimeout(idleTimeout);
    }

    /**
     * Spawns a room on {@code system} and binds a chat server to it. The room lives as long as
     * the system (closing the server closes its connections, whose members then leave).
     *
     * @param port    0 picks any free port ({@link TcpServer#port()})
     * @param options see {@link #options(long, Duration)}
     * @throws java.io.UncheckedIOException the address cannot be bound
     * @throws IllegalArgumentException      the host does not resolve
     */
    public static TcpServer start(ActorSystem system, String host, int port, TcpOptions options) {
        return start(system, host, port, options, departure -> { });
    }

    /** {@link #start(ActorSystem, String, int, TcpOptions)}, the room reporting each departure. */
    static TcpServer start(ActorSystem system, String host, int port, TcpOptions options,
                           Consumer<? super ChatRoom.Departure> departures) {
        InetSocketAddress address = ServerProcess.bindAddress(host, port);
        ActorRef<ChatRoom.Msg> room = system.spawnActor("chat-room-" + ROOMS.incrementAndGet(),
                () -> new ChatRoom(departures));
        try {
            return TcpServer.bind(system, address, Framing.lines(MAX_LINE_BYTES), conn -> new ChatSession(conn, room),
                    options);
        } catch (RuntimeException e) {
            system.stop(room);
            throw e;
        }
    }

    /** Runs the server until the process is signalled; see the class comment for the flags. */
    public static void main(String[] argv) {
        ServerArgs args = ServerArgs.parseOrExit("ChatServer", argv,
                ServerArgs.Option.ofLong("outbound-limit", DEFAULT_OUTBOUND_LIMIT, MIN_OUTBOUND_LIMIT, 1L << 30,
                        "bytes queued for a client that does not read before it is disconnected"),
                ServerArgs.Option.ofLong("idle-timeout", DEFAULT_IDLE_TIMEOUT_SECONDS, 0, 31_536_000,
                        "seconds without a line from a client before it is disconnected; 0 = never"));
        TcpOptions options = options(args.longValue("outbound-limit"),
                Duration.ofSeconds(args.longValue("idle-timeout")));
        ServerProcess.run("ChatServer", args, (system, a) -> start(system, a.host(), a.port(), options));
    }
}
