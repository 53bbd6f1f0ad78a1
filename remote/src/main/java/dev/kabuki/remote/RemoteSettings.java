package dev.kabuki.remote;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.Remoting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How an actor system takes part in remoting: where it listens, which nodes it joins, which
 * message types may cross the wire, the shared secret, and the limits.
 *
 * <pre>{@code
 * RemoteSettings settings = RemoteSettings.bind("127.0.0.1", 25520)
 *         .seedNodes("kabuki://orders@10.0.0.2:25520")
 *         .allow(CounterMsg.class)            // a sealed interface: all its records may cross
 *         .cookie(System.getenv("KABUKI_COOKIE"));
 * }</pre>
 *
 * <h2>Defaults</h2>
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th></tr>
 *   <tr><td>bind host</td><td>127.0.0.1: nothing outside this machine reaches the node until
 *       you bind another address</td></tr>
 *   <tr><td>seed nodes</td><td>none</td></tr>
 *   <tr><td>allowed types</td><td>none: only kabuki's own control traffic crosses</td></tr>
 *   <tr><td>cookie</td><td>none: such nodes talk to each other, and to no node with one</td></tr>
 *   <tr><td>failure detector</td><td>{@link FailureDetectorSettings#DEFAULT}</td></tr>
 *   <tr><td>ordinary term length</td><td>2 MiB: user messages up to 256 KiB, about 6 MiB of
 *       {@code /dev/shm} per peer and direction</td></tr>
 *   <tr><td>outbound queue per peer</td><td>2 MiB of serialized messages; when full,
 *       {@code tryTell} returns false and {@code tell} sends to dead letters</td></tr>
 *   <tr><td>system message buffer</td><td>20,000 unacknowledged watch/unwatch/terminated
 *       messages per peer; beyond, the peer is quarantined</td></tr>
 *   <tr><td>handshake timeout</td><td>20 s</td></tr>
 *   <tr><td>Aeron directory</td><td>beside Aeron's default ({@code /dev/shm} on Linux), one
 *       per system, removed at close; those left by processes that died without closing are
 *       removed when the next system starts there</td></tr>
 *   <tr><td>media driver</td><td>embedded, one per system, {@link DriverThreading#SHARED}</td></tr>
 *   <tr><td>longest idle park</td><td>1 ms ({@link #maxIdlePark(Duration)})</td></tr>
 * </table>
 *
 * <p>Immutable: every {@code with}-style method returns a copy. Thread-safe. Values are checked
 * as they are set; each method names the setting in its {@link IllegalArgumentException}.
 */
public final class RemoteSettings implements Remoting.Provider {
    /**
     * Starts {@code system}'s remote side with these settings: what
     * {@code ActorSystem.builder().remote(settings)} calls at build time; the same as
     * {@link RemoteActors#start(ActorSystem, RemoteSettings)}.
     */
    @Override
    public RemoteActors start(ActorSystem system) {
        return RemoteActors.start(system, this);
    }

    /** Smallest ordinary term length Aeron takes: 64 KiB. */
    public static final int MIN_TERM_LENGTH = 64 * 1024;
    /** Largest ordinary term length accepted here: 64 MiB (messages up to 8 MiB). */
    public static final int MAX_TERM_LENGTH = 64 * 1024 * 1024;

    private final String host;
    private final int port;
    private final List<NodeAddress> seedNodes;
    private final Set<Class<?>> allowed;
    private final String cookie;
    private final FailureDetectorSettings failureDetector;
    private final int ordinaryTermLength;
    private final int outboundQueueBytes;
    private final int systemMessageBuffer;
    private final Duration handshakeTimeout;
    private final String aeronDirectory;
    private final DriverThreading driverThreading;
    private final String externalDriver;
    private final long maxIdleParkNanos;
    /** The default of {@link #maxIdlePark(Duration)}. */
    public static final Duration DEFAULT_MAX_IDLE_PARK = Duration.ofMillis(1);
    private static final Duration MAX_MAX_IDLE_PARK = Duration.ofSeconds(1);

    /** How the embedded Aeron media driver runs its work (see {@link #driverThreading}). */
    public enum DriverThreading {
        /**
         * One driver thread does the conductor's, the sender's and the receiver's work, parking
         * (1 µs growing to 1 ms) when there is none: a few percent of a core per idle node. The
         * default.
         */
        SHARED,
        /**
         * A thread each for the conductor, the sender and the receiver, each parking the same way
         * when idle: lower latency under load, at the cost of two more threads and more idle CPU.
         * For nodes with cores to spare.
         */
        DEDICATED
    }

    private RemoteSettings(String host, int port, List<NodeAddress> seedNodes, Set<Class<?>> allowed, String cookie,
                           FailureDetectorSettings failureDetector, int ordinaryTermLength, int outboundQueueBytes,
                           int systemMessageBuffer, Duration handshakeTimeout, String aeronDirectory,
                           DriverThreading driverThreading, String externalDriver, long maxIdleParkNanos) {
        this.host = host;
        this.port = port;
        this.seedNodes = List.copyOf(seedNodes);
        this.allowed = Set.copyOf(allowed);
        this.cookie = cookie;
        this.failureDetector = failureDetector;
        this.ordinaryTermLength = ordinaryTermLength;
        this.outboundQueueBytes = outboundQueueBytes;
        this.systemMessageBuffer = systemMessageBuffer;
        this.handshakeTimeout = handshakeTimeout;
        this.aeronDirectory = aeronDirectory;
        this.driverThreading = driverThreading;
        this.externalDriver = externalDriver;
        this.maxIdleParkNanos = maxIdleParkNanos;
    }

    /**
     * Settings that listen on {@code host:port} (UDP), everything else at its default.
     *
     * @param host an IP address or host name of this machine; 127.0.0.1 keeps the node local
     * @param port 1 to 65535, or 0 for any free port (tests: peers cannot know it in advance)
     * @throws IllegalArgumentException the host is empty or the port out of range
     */
    public static RemoteSettings bind(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("bind host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("bind port must be 0 to 65535, got " + port);
        }
        return new RemoteSettings(host, port, List.of(), Set.of(), null, FailureDetectorSettings.DEFAULT,
                2 * 1024 * 1024, 2 * 1024 * 1024, 20_000, Duration.ofSeconds(20), null, DriverThreading.SHARED, null,
                DEFAULT_MAX_IDLE_PARK.toNanos());
    }

    /**
     * Settings on 127.0.0.1 at {@code port}.
     *
     * @see #bind(String, int)
     */
    public static RemoteSettings bind(int port) {
        return bind("127.0.0.1", port);
    }

    /**
     * The nodes to join at start ({@code kabuki://system@host:port} each); replaces earlier ones.
     *
     * @throws IllegalArgumentException an address is malformed; the message says which part
     */
    public RemoteSettings seedNodes(String... addresses) {
        List<NodeAddress> nodes = new ArrayList<>(addresses.length);
        for (String a : addresses) {
            nodes.add(NodeAddress.parse(a));
        }
        return new RemoteSettings(host, port, nodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * Adds message types that may cross the wire: records, enums, final classes, or sealed
     * interfaces and classes (standing for every concrete type they permit). Nothing else is
     * ever instantiated from the wire. The types inside a message count too: a record or enum
     * held by an allowed message must itself be allowed (or permitted by an allowed sealed
     * type); strings, primitives, byte arrays, lists, sets, maps, optionals and
     * {@link dev.kabuki.actors.ActorRef}s need no allowing. A message holding a type that is not
     * allowed fails on the sending side with a {@link DisallowedTypeException} naming it.
     *
     * @throws IllegalArgumentException a type is open (an interface or a non-final class that is
     *                                  not sealed): its subtypes cannot be listed
     */
    public RemoteSettings allow(Class<?>... roots) {
        Set<Class<?>> all = new LinkedHashSet<>(allowed);
        for (Class<?> r : roots) {
            all.add(Objects.requireNonNull(r, "allowed type"));
        }
        AllowedTypes.of(all); // checks every root now, where the mistake is made
        return new RemoteSettings(host, port, seedNodes, all, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * The shared secret every node of the cluster must have: the handshake proves it (an
     * HMAC-SHA256, the secret itself never crosses the wire) and a node without it is refused.
     * It authenticates; it does not encrypt: nodes belong on a private network.
     *
     * @param secret at least 16 characters, or null for none
     * @throws IllegalArgumentException shorter than 16 characters
     */
    public RemoteSettings cookie(String secret) {
        if (secret != null && secret.length() < 16) {
            throw new IllegalArgumentException("cookie must have at least 16 characters, got " + secret.length());
        }
        return new RemoteSettings(host, port, seedNodes, allowed, secret, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /** The failure detector's settings, for every peer node. */
    public RemoteSettings failureDetector(FailureDetectorSettings settings) {
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, Objects.requireNonNull(settings, "settings"),
                ordinaryTermLength, outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * The term length of the ordinary stream: a power of two from 64 KiB to 64 MiB. The largest
     * user message is an eighth of it; each peer costs about three terms of {@code /dev/shm} per
     * direction. The outbound queue bound grows to the term length if it was smaller.
     *
     * @throws IllegalArgumentException not a power of two, or out of range
     */
    public RemoteSettings ordinaryTermLength(int bytes) {
        if (bytes < MIN_TERM_LENGTH || bytes > MAX_TERM_LENGTH || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("ordinaryTermLength must be a power of two from "
                    + MIN_TERM_LENGTH + " to " + MAX_TERM_LENGTH + ", got " + bytes);
        }
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, bytes,
                Math.max(outboundQueueBytes, bytes), systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * The bound of each peer's outbound queue, in bytes of serialized messages: a power of two,
     * at least 8 times the largest message (an eighth of the ordinary term length).
     *
     * @throws IllegalArgumentException not a power of two, or too small for the largest message
     */
    public RemoteSettings outboundQueueBytes(int bytes) {
        if (Integer.bitCount(bytes) != 1 || bytes < ordinaryTermLength) {
            throw new IllegalArgumentException("outboundQueueBytes must be a power of two of at least the ordinary"
                    + " term length (" + ordinaryTermLength + "), got " + bytes);
        }
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength, bytes,
                systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * How many system messages may wait for an acknowledgement per peer before it is
     * quarantined: at least 100.
     *
     * @throws IllegalArgumentException below 100
     */
    public RemoteSettings systemMessageBuffer(int messages) {
        if (messages < 100) {
            throw new IllegalArgumentException("systemMessageBuffer must be at least 100, got " + messages);
        }
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, messages, handshakeTimeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * How long a handshake may take before the association fails (messages queued for it go to
     * dead letters, counted): 1 s to 10 min.
     *
     * @throws IllegalArgumentException out of range
     */
    public RemoteSettings handshakeTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("handshakeTimeout must be 1 s to 10 min, got " + timeout);
        }
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, timeout, aeronDirectory, driverThreading, externalDriver, maxIdleParkNanos);
    }

    /**
     * Where the embedded Aeron driver's directory goes (a tmpfs such as {@code /dev/shm} is
     * fastest); null for beside Aeron's default. At start, the directories there that kabuki
     * drivers of dead processes left behind are removed (docs/remote.md, {@code /dev/shm}).
     */
    public RemoteSettings aeronDirectory(String parent) {
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, parent, driverThreading,
                externalDriver, maxIdleParkNanos);
    }

    /**
     * How the embedded media driver runs: {@link DriverThreading#SHARED} (default) or
     * {@link DriverThreading#DEDICATED}. Ignored with {@link #externalMediaDriver}.
     */
    public RemoteSettings driverThreading(DriverThreading threading) {
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory,
                Objects.requireNonNull(threading, "threading"), externalDriver, maxIdleParkNanos);
    }

    /**
     * Uses the Aeron media driver already running with directory {@code aeronDirectory} (one
     * started with {@code io.aeron.driver.MediaDriver}, shared by several processes, tuned and
     * pinned by the operator) instead of starting one inside this system. The system then
     * neither creates nor deletes that directory; starting fails if no driver answers there.
     * Null: back to the embedded driver (the default).
     *
     * @throws IllegalArgumentException the directory is empty
     */
    public RemoteSettings externalMediaDriver(String aeronDirectory) {
        if (aeronDirectory != null && aeronDirectory.isBlank()) {
            throw new IllegalArgumentException("externalMediaDriver directory must not be empty");
        }
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, this.aeronDirectory, driverThreading,
                aeronDirectory, maxIdleParkNanos);
    }

    /**
     * The longest the threads that poll the network park when there is nothing to do: the
     * embedded media driver's (or, with an {@link #externalMediaDriver}, this system's remote
     * thread, which then polls for what arrived). Default {@link #DEFAULT_MAX_IDLE_PARK} (1 ms).
     *
     * <p>The trade: an idle node's CPU falls roughly in proportion to the park (the benchmark
     * suite's Ridle measures it: docs/remote.md, Threads), while a frame reaching a node that has
     * been idle for a while waits up to this long before it is read off the network. Sending never
     * waits for a park (a send wakes the threads), and under steady traffic the threads do not
     * park at all. 10 ms suits nodes that are mostly idle and whose first message after a pause
     * may be late by that much; keep the default where every message's latency counts.
     *
     * @param max 1 µs to 1 s
     * @throws IllegalArgumentException out of that range
     */
    public RemoteSettings maxIdlePark(Duration max) {
        Objects.requireNonNull(max, "max");
        if (max.compareTo(Duration.ofNanos(1000)) < 0 || max.compareTo(MAX_MAX_IDLE_PARK) > 0) {
            throw new IllegalArgumentException("maxIdlePark must be 1 µs to 1 s, got " + max);
        }
        long nanos = max.toNanos();
        return new RemoteSettings(host, port, seedNodes, allowed, cookie, failureDetector, ordinaryTermLength,
                outboundQueueBytes, systemMessageBuffer, handshakeTimeout, aeronDirectory, driverThreading,
                externalDriver, nanos);
    }

    /** See {@link #maxIdlePark(Duration)}. */
    public Duration maxIdlePark() {
        return Duration.ofNanos(maxIdleParkNanos);
    }

    /** The embedded driver's threading. */
    public DriverThreading driverThreading() {
        return driverThreading;
    }

    /** The external driver's directory, or null when the system embeds its own driver. */
    public String externalMediaDriver() {
        return externalDriver;
    }

    /** The address the node listens on. */
    public String host() {
        return host;
    }

    /** The UDP port the node listens on; 0 for any free one. */
    public int port() {
        return port;
    }

    /** The nodes joined at start. */
    public List<NodeAddress> seedNodes() {
        return seedNodes;
    }

    /** The allowed roots as given to {@link #allow}. */
    public Set<Class<?>> allowedRoots() {
        return allowed;
    }

    /** Whether a cookie is set (the cookie itself is not readable back). */
    public boolean hasCookie() {
        return cookie != null;
    }

    String cookie() {
        return cookie;
    }

    /** The failure detector's settings. */
    public FailureDetectorSettings failureDetector() {
        return failureDetector;
    }

    /** The ordinary stream's term length in bytes. */
    public int ordinaryTermLength() {
        return ordinaryTermLength;
    }

    /** The largest user message, serialized with its frame header: an eighth of the term length. */
    public int maxMessageBytes() {
        return ordinaryTermLength / 8;
    }

    /** The bound of each peer's outbound queue, in bytes. */
    public int outboundQueueBytes() {
        return outboundQueueBytes;
    }

    /** How many unacknowledged system messages a peer may have before it is quarantined. */
    public int systemMessageBuffer() {
        return systemMessageBuffer;
    }

    /** How long a handshake may take. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The parent of the driver's directory, or null for beside Aeron's default. */
    public String aeronDirectory() {
        return aeronDirectory;
    }

    /** The settings, the cookie shown only as set or not. */
    @Override
    public String toString() {
        return "RemoteSettings[bind=" + host + ":" + port + ", seedNodes=" + seedNodes + ", allowed="
                + allowed.size() + " root(s), cookie=" + (cookie != null ? "set" : "none") + ", failureDetector="
                + failureDetector + ", ordinaryTermLength=" + ordinaryTermLength + ", outboundQueueBytes="
                + outboundQueueBytes + ", systemMessageBuffer=" + systemMessageBuffer + ", handshakeTimeout="
                + handshakeTimeout + ", aeronDirectory=" + aeronDirectory + ", driverThreading=" + driverThreading
                + ", externalMediaDriver=" + externalDriver + ", maxIdlePark=" + maxIdlePark() + "]";
    }
}
