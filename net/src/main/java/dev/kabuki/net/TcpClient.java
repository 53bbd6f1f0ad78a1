package dev.kabuki.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.function.Function;

/**
 * Outgoing TCP connections, with the same model as {@link TcpServer}: the connection is an
 * actor whose handler receives {@link TcpEvent}s and writes through its {@link TcpConnection}.
 *
 * <pre>{@code
 * JoinHandle<TcpConnection<String>> conn = TcpClient.connect(system,
 *         new InetSocketAddress("127.0.0.1", port), Framing.lines(8192), LineClient::new);
 * }</pre>
 *
 * <h2>Threads and blocking</h2>
 * {@code connect} never blocks: name resolution must already be done (an unresolved address is
 * refused), and the connect runs on the system's I/O thread. The handle completes with the
 * connection once the handler actor has been started and told {@link TcpEvent.Connected}; it
 * fails with a {@link java.net.ConnectException} when the peer refuses, is unreachable or does
 * not answer within {@link TcpOptions#connectTimeout()}, and with an
 * {@link IllegalStateException} when the system shuts down first. Aborting the handle before it
 * completes does not cancel the connect; close the connection it yields instead.
 */
public final class TcpClient {
    private TcpClient() {
    }

    /** Connects with {@link TcpOptions#defaults()}; the handler receives {@link TcpEvent}s. */
    public static <F> JoinHandle<TcpConnection<F>> connect(ActorSystem system, InetSocketAddress address, Codec<F> codec,
                                                           Function<? super TcpConnection<F>, ? extends Actor<TcpEvent<F>>> handler) {
        return connect(system, address, codec, handler, TcpOptions.defaults());
    }

    /** Connects with options (connect timeout, water marks, limits). */
    public static <F> JoinHandle<TcpConnection<F>> connect(ActorSystem system, InetSocketAddress address, Codec<F> codec,
                                                           Function<? super TcpConnection<F>, ? extends Actor<TcpEvent<F>>> handler,
                                                           TcpOptions options) {
        return connect(system, address, codec, handler, Function.identity(), options);
    }

    /**
     * Connects a handler with a message type of its own; each event reaches it as
     * {@code events.apply(event)} (see {@link TcpServer#bind(ActorSystem, InetSocketAddress, Codec, Function, Function, TcpOptions)}).
     *
     * @throws IllegalArgumentException the address is unresolved
     */
    public static <F, M> JoinHandle<TcpConnection<F>> connect(ActorSystem system, InetSocketAddress address,
                                                              Codec<F> codec,
                                                              Function<? super TcpConnection<F>, ? extends Actor<M>> handler,
                                                              Function<? super TcpEvent<F>, ? extends M> events,
                                                              TcpOptions options) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(options, "options");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address
                    + ": resolve it first (new InetSocketAddress(host, port) resolves, blocking)");
        }
        IoDriver driver = IoDriver.of(system);
        Promise<TcpConnection<F>> result = system.promise();
        SocketChannel channel;
        try {
            channel = SocketChannel.open();
        } catch (IOException e) {
            result.fail(e);
            return result;
        }
        ClientOwner owner = ClientOwner.INSTANCE;
        TcpConnectionImpl.HandlerSpawner spawner = driver.spawner(options, handler, events);
        IoLoop loop = driver.nextLoop();
        Connector connector = new Connector(channel, address, options, loop, new Connector.Outcome() {
            @Override
            public void connected(SocketChannel ch, IoLoop on, SelectionKey key) {
                driver.startConnection(ch, on, key, codec, options, owner, spawner, result::complete, result::fail);
            }

            @Override
            public void failed(Exception cause) {
                result.fail(cause);
            }
        });
        if (!loop.execute(connector::start)) {
            IoDriver.closeQuietly(channel);
            result.fail(new IllegalStateException("actor system '" + system.name() + "' is shutting down"));
        }
        return result;
    }

    /** Client connections count nothing per server; their label names them in actor paths. */
    private enum ClientOwner implements ConnectionOwner {
        INSTANCE;

        @Override
        public void opened(TcpConnectionImpl<?> conn) {
        }

        @Override
        public void closed(TcpConnectionImpl<?> conn, CloseReason reason) {
        }

        @Override
        public void bytesIn(long n) {
        }

        @Override
        public void bytesOut(long n) {
        }

        @Override
        public void frameIn() {
        }

        @Override
        public void frameOut() {
        }

        @Override
        public String label() {
            return "tcp-client";
        }
    }
}
