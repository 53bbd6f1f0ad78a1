package dev.kabuki.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening TCP server whose every connection is an actor: bind it with an address, a
 * {@link Codec} and a handler factory, and each accepted connection gets a handler actor of its
 * own that receives the connection's {@link TcpEvent}s as messages and writes through its
 * {@link TcpConnection}.
 *
 * <pre>{@code
 * record EchoHandler(TcpConnection<String> conn) implements Actor<TcpEvent<String>> {
 *     public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
 *         if (event instanceof TcpEvent.Received<String>(String line)) {
 *             conn.write(line);
 *         }
 *     }
 * }
 * TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0),
 *         Framing.lines(8192), EchoHandler::new);
 * int port = server.port();
 * }</pre>
 *
 * <p>A handler is an ordinary actor: it may ask other actors ({@code ctx.ask},
 * {@code ctx.pipeToSelf}), keep state, use timers. Its supervision defaults to stop: a handler
 * that throws is logged, its connection closed with {@link CloseReason.Kind#HANDLER_FAILED} and
 * the exception as reason, and the server goes on (set {@link TcpOptions#handlerOptions()} for
 * another strategy). It is stopped after its connection closes ({@link TcpEvent.Closed}).
 *
 * <p>A handler whose own message type is not {@code TcpEvent} (because it also receives piped
 * replies, say) binds with an adapter that wraps each event into its type:
 * {@link #bind(ActorSystem, InetSocketAddress, Codec, Function, Function, TcpOptions)}.
 *
 * <h2>Threads and blocking</h2>
 * Every method is thread-safe. {@code bind} opens and binds the socket on the calling thread
 * (a short system call, not a wait for peers) and returns once the socket listens; nothing else
 * blocks. Accepting, reading and decoding run on the system's I/O threads, handlers on its
 * dispatchers. The server's resources are released by {@link #close()} or by the system's
 * shutdown, which closes every connection (each handler's {@code onStop} runs first).
 */
public final class TcpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpServer.class);

    private final IoDriver driver;
    private final InetSocketAddress address;
    private final TcpOptions options;
    private final Codec<?> codec;
    private final TcpConnectionImpl.HandlerSpawner spawner;
    private final Acceptor acceptor;
    private final IoLoop acceptLoop;
    private final ConnectionCounters counters = new ConnectionCounters();
    /** Connections admitted under the limit and not yet closed (incremented at accept). */
    private final AtomicInteger admitted = new AtomicInteger();
    private final Set<TcpConnectionImpl<?>> live = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean bound = new AtomicBoolean(true);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String label;
    private final Owner owner = new Owner();

    private <F, M> TcpServer(ActorSystem system, InetSocketAddress requested, Codec<F> codec,
                             Function<? super TcpConnection<F>, ? extends Actor<M>> factory,
                             Function<? super TcpEvent<F>, ? extends M> adapter, TcpOptions options) {
        this.options = options;
        this.codec = codec;
        this.driver = IoDriver.of(system);
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(requested, options.backlog());
            listener.configureBlocking(false);
            this.address = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException | java.nio.channels.UnresolvedAddressException e) {
            if (listener != null) {
                IoDriver.closeQuietly(listener);
            }
            IOException io = e instanceof IOException ioe ? ioe
                    : new java.net.UnknownHostException("unresolved address " + requested);
            throw new UncheckedIOException("cannot bind a TCP server to " + requested + ": " + io.getMessage(), io);
        }
        this.label = "tcp-server-" + address.getPort();
        this.spawner = driver.spawner(options, factory, adapter);
        this.acceptor = new Acceptor(listener, this);
        this.acceptLoop = driver.nextLoop();
        ServerSocketChannel l = listener;
        boolean posted = acceptLoop.execute(() -> {
            try {
                acceptor.register(acceptLoop);
            } catch (IOException | RuntimeException e) {
                LOG.error("{}: cannot register the listening socket; the server is closed", label, e);
                bound.set(false);
                IoDriver.closeQuietly(l);
            }
        });
        if (!posted) {
            IoDriver.closeQuietly(listener);
            throw new IllegalStateException("actor system '" + system.name() + "' is shutting down: cannot bind "
                    + requested);
        }
        LOG.debug("{}: listening on {}", label, address);
    }

    /**
     * Binds a server whose handlers receive {@link TcpEvent}s, with {@link TcpOptions#defaults()}.
     *
     * @param system  the actor system whose I/O driver and dispatchers run the server
     * @param address where to listen; port 0 picks a free port (see {@link #port()})
     * @param codec   the protocol, e.g. {@link Framing#lines(int)}
     * @param handler makes the handler actor of each accepted connection
     * @throws UncheckedIOException  the address cannot be bound (in use, not local); the message
     *                               names the address and the reason
     * @throws IllegalStateException the system is shutting down
     */
    public static <F> TcpServer bind(ActorSystem system, InetSocketAddress address, Codec<F> codec,
                                     Function<? super TcpConnection<F>, ? extends Actor<TcpEvent<F>>> handler) {
        return bind(system, address, codec, handler, TcpOptions.defaults());
    }

    /** {@link #bind(ActorSystem, InetSocketAddress, Codec, Function)} with options (limits, water marks, timeouts). */
    public static <F> TcpServer bind(ActorSystem system, InetSocketAddress address, Codec<F> codec,
                                     Function<? super TcpConnection<F>, ? extends Actor<TcpEvent<F>>> handler,
                                     TcpOptions options) {
        return bind(system, address, codec, handler, Function.identity(), options);
    }

    /**
     * Binds a server whose handlers have a message type of their own, {@code M}: each
     * {@link TcpEvent} reaches the handler as {@code events.apply(event)} (a record of {@code M}
     * wrapping it, typically), so the handler can also receive its own messages, such as replies
     * piped from asks. The adapter runs on the handler's thread.
     *
     * @see #bind(ActorSystem, InetSocketAddress, Codec, Function)
     */
    public static <F, M> TcpServer bind(ActorSystem system, InetSocketAddress address, Codec<F> codec,
                                        Function<? super TcpConnection<F>, ? extends Actor<M>> handler,
                                        Function<? super TcpEvent<F>, ? extends M> events, TcpOptions options) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(options, "options");
        return new TcpServer(system, address, codec, handler, events, options);
    }

    /** The port the server listens on (the one picked when bound to port 0). */
    public int port() {
        return address.getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** Whether it still accepts connections ({@link #unbind()} and {@link #close()} end that). */
    public boolean isBound() {
        return bound.get();
    }

    /** A snapshot of the server's counters. Never blocks. */
    public TcpServerMetrics metrics() {
        return counters.snapshot();
    }

    /** Connections open now. */
    public int connectionCount() {
        return counters.open.get();
    }

    /**
     * Stops accepting: the listening socket is closed (a new peer is refused by the OS), while
     * the connections already accepted go on until they close. Idempotent; returns at once.
     */
    public void unbind() {
        if (bound.compareAndSet(true, false)) {
            if (!acceptLoop.execute(acceptor::close)) {
                acceptor.close();
            }
            LOG.debug("{}: unbound", label);
        }
    }

    /**
     * Unbinds, then closes every live connection gracefully (queued output flushed) with
     * {@link CloseReason.Kind#SERVER_CLOSED}: each handler gets its {@link TcpEvent.Closed} and
     * stops. Idempotent; returns at once.
     */
    @Override
    public void close() {
        unbind();
        if (closed.compareAndSet(false, true)) {
            for (TcpConnectionImpl<?> c : live) {
                c.requestClose(CloseReason.of(CloseReason.Kind.SERVER_CLOSED, "the server was closed"), false);
            }
        }
    }

    String label() {
        return label;
    }

    /** Loop thread of the acceptor: a channel was accepted. */
    void accepted(SocketChannel ch) {
        if (closed.get() || !bound.get()) {
            IoDriver.closeQuietly(ch);
            return;
        }
        if (driver.system().isShutdown()) {
            // The listening socket closes with the I/O driver, after the actors have stopped:
            // until then a connection cannot get a handler. Refused quietly, counted.
            counters.rejected.increment();
            LOG.debug("{}: connection from {} rejected: the actor system is shutting down", label, remoteOf(ch));
            IoDriver.closeQuietly(ch);
            return;
        }
        if (admitted.incrementAndGet() > options.maxConnections()) {
            admitted.decrementAndGet();
            counters.rejected.increment();
            LOG.debug("{}: connection from {} rejected: {} connections open (maxConnections)", label,
                    remoteOf(ch), options.maxConnections());
            IoDriver.closeQuietly(ch);
            return;
        }
        startConnection(ch);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void startConnection(SocketChannel ch) {
        driver.startConnection(ch, (Codec) codec, options, owner, spawner, conn -> { },
                failure -> {
                    admitted.decrementAndGet();
                    if (driver.system().isShutdown()) { // raced with the shutdown's start: as above
                        counters.rejected.increment();
                        LOG.debug("{}: a connection was refused: the actor system is shutting down", label);
                    } else {
                        LOG.warn("{}: could not start a connection: {}", label, failure.toString());
                    }
                });
    }

    private static Object remoteOf(SocketChannel ch) {
        try {
            return ch.getRemoteAddress();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public String toString() {
        return "TcpServer[" + address + (bound.get() ? "" : ", unbound") + "]";
    }

    /** Metrics and the live set, as the connections report them. */
    private final class Owner implements ConnectionOwner {
        @Override
        public void opened(TcpConnectionImpl<?> conn) {
            live.add(conn);
            counters.open.incrementAndGet();
            counters.accepted.increment();
            if (closed.get()) { // the server closed while this one was starting
                conn.requestClose(CloseReason.of(CloseReason.Kind.SERVER_CLOSED, "the server was closed"), false);
            }
        }

        @Override
        public void closed(TcpConnectionImpl<?> conn, CloseReason reason) {
            if (live.remove(conn)) {
                counters.open.decrementAndGet();
                admitted.decrementAndGet();
            }
            counters.closed(reason.kind());
            LOG.debug("{}: {} closed: {}", label, conn, reason);
        }

        @Override
        public void bytesIn(long n) {
            counters.bytesIn.add(n);
        }

        @Override
        public void bytesOut(long n) {
            counters.bytesOut.add(n);
        }

        @Override
        public void frameIn() {
            counters.framesIn.increment();
        }

        @Override
        public void frameOut() {
            counters.framesOut.increment();
        }

        @Override
        public String label() {
            return label;
        }
    }
}
