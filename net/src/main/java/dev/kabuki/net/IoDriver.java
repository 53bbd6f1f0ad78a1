package dev.kabuki.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.internal.ActorSystemInternals;
import dev.kabuki.scheduler.internal.CoreDispatcher;
import dev.kabuki.scheduler.internal.WorkStealingDispatcher;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor system's I/O driver: {@link ActorSystem#ioSelectors()} {@link IoLoop}s, each a
 * selector with a thread of its own, started with the system's first server or client and
 * closed by the system's shutdown once its actors have stopped. Connections are spread over the
 * loops round-robin and stay on theirs for life.
 *
 * <p>Internal switch {@value #MODE_PROPERTY} (a system property read as the driver starts):
 * {@code dedicated} (the default) as above; {@code worker-polled}, a prototype of Tokio's
 * design: one {@link IoLoop#workerPolled threadless loop} installed on the multi-thread core
 * dispatcher as its {@link dev.kabuki.scheduler.internal.IoPoller}, polled by a core worker as
 * it parks and, without blocking, by busy workers every 61 tasks. The current-thread flavour
 * always uses the dedicated mode.
 */
final class IoDriver implements ActorSystem.Extension {
    private static final Logger LOG = LoggerFactory.getLogger(IoDriver.class);
    /** Each loop's shared read buffer; a connection's own read size may be smaller. */
    static final int LOOP_READ_BUFFER = 64 << 10;
    /** The internal switch between the two driver designs; see the class comment. */
    static final String MODE_PROPERTY = "kabuki.net.driver";
    static final String WORKER_POLLED = "worker-polled";
    /**
     * Internal switch: {@code -Dkabuki.net.inline=false} turns the dedicated mode's inline
     * hand-off off (every handler activation goes to the core workers), for A/B measurements.
     */
    static final String INLINE_PROPERTY = "kabuki.net.inline";
    private static final boolean NO_INLINE = "false".equals(System.getProperty(INLINE_PROPERTY));

    private final ActorSystem system;
    private final IoLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    /** The dispatcher the worker-polled loop is installed on; null in the dedicated mode. */
    private final WorkStealingDispatcher pollingDispatcher;

    private IoDriver(ActorSystem system) {
        this.system = system;
        CoreDispatcher core = ActorSystemInternals.coreDispatcher(system);
        if (WORKER_POLLED.equals(System.getProperty(MODE_PROPERTY)) && core instanceof WorkStealingDispatcher ws) {
            // Prototype: one selector, whatever ioSelectors says.
            this.pollingDispatcher = ws;
            this.loops = new IoLoop[] {IoLoop.workerPolled(system.name() + "-io-0", LOOP_READ_BUFFER)};
            ws.installIoPoller(loops[0].poller());
            LOG.debug("actor system '{}': I/O driver started, polled by the core workers", system.name());
            return;
        }
        this.pollingDispatcher = null;
        int n = system.ioSelectors();
        this.loops = new IoLoop[n];
        // The selector threads run a handler themselves while every core worker is parked
        // (IoLoop's inline hand-off); the current-thread flavour has no workers to wake.
        WorkStealingDispatcher inlineFor = core instanceof WorkStealingDispatcher ws && !NO_INLINE ? ws : null;
        for (int i = 0; i < n; i++) {
            loops[i] = new IoLoop(system.name() + "-io-" + i, LOOP_READ_BUFFER, inlineFor,
                    ActorSystemInternals.threadHooks(system)); // its thread runs actors (inline hand-off)
        }
        for (IoLoop loop : loops) {
            loop.start();
        }
        LOG.debug("actor system '{}': I/O driver started with {} selector thread(s)", system.name(), n);
    }

    /** The system's driver, started on first use. */
    static IoDriver of(ActorSystem system) {
        return system.extension(IoDriver.class, IoDriver::new);
    }

    ActorSystem system() {
        return system;
    }

    IoLoop nextLoop() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    /** A spawner of connection actors running {@code factory}'s handler, events through {@code adapter}. */
    <F, M> TcpConnectionImpl.HandlerSpawner spawner(TcpOptions options,
                                                   Function<? super TcpConnection<F>, ? extends Actor<M>> factory,
                                                   Function<? super TcpEvent<F>, ? extends M> adapter) {
        return conn -> {
            @SuppressWarnings("unchecked")
            TcpConnectionImpl<F> typed = (TcpConnectionImpl<F>) conn;
            ActorRef<M> ref = system.spawnActor(conn.actorName(),
                    ctx -> new ConnectionActor<>(typed, factory, adapter), options.handlerOptions());
            @SuppressWarnings("unchecked")
            ActorRef<Object> untyped = (ActorRef<Object>) (ActorRef<?>) ref;
            return untyped;
        };
    }

    /** Starts a connected channel as a connection on the next loop. */
    <F> void startConnection(SocketChannel channel, Codec<F> codec, TcpOptions options, ConnectionOwner owner,
                             TcpConnectionImpl.HandlerSpawner spawner, Consumer<TcpConnectionImpl<F>> started,
                             Consumer<Exception> failed) {
        startConnection(channel, nextLoop(), null, codec, options, owner, spawner, started, failed);
    }

    /**
     * Starts a connected channel as a connection on {@code loop}, reusing {@code key} (the
     * channel's registration on that loop's selector) if it has one: a channel cannot register
     * again on a selector until its cancelled key has been flushed by a select.
     */
    <F> void startConnection(SocketChannel channel, IoLoop loop, SelectionKey key, Codec<F> codec, TcpOptions options, ConnectionOwner owner,
                             TcpConnectionImpl.HandlerSpawner spawner, Consumer<TcpConnectionImpl<F>> started,
                             Consumer<Exception> failed) {
        Runnable start = () -> {
            TcpConnectionImpl<F> conn = null;
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
                conn = new TcpConnectionImpl<>(nextId(), channel, loop, codec, options, owner);
                conn.start(spawner, key);
                started.accept(conn);
            } catch (Exception e) {
                closeQuietly(channel);
                failed.accept(e);
            }
        };
        if (!loop.execute(start)) {
            closeQuietly(channel);
            failed.accept(new IllegalStateException("actor system '" + system.name() + "' is shutting down"));
        }
    }

    static void closeQuietly(Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        if (pollingDispatcher != null) {
            pollingDispatcher.uninstallIoPoller(loops[0].poller());
        }
        for (IoLoop loop : loops) {
            if (!loop.close(5_000)) {
                LOG.warn("actor system '{}': I/O thread {} did not end within 5 s", system.name(), loop.name());
            }
        }
    }
}
