package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.Framing;
import dev.kabuki.net.TcpConnection;
import dev.kabuki.net.TcpEvent;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import java.nio.ByteBuffer;

/**
 * A TCP echo server: every byte a client sends comes back to it, in order. Each connection's
 * handler writes each chunk it receives ({@link Framing#raw()}) straight back; nothing is logged
 * per message. This is the server of the W7 round-trip benchmark.
 *
 * <pre>
 * java -cp &lt;class path&gt; dev.kabuki.examples.net.EchoServer [--host 127.0.0.1] [--port 0]
 * </pre>
 * prints {@code listening on <ip>:<port>} on stdout and runs until SIGINT or SIGTERM (see
 * {@link ServerProcess} for the exit statuses). Try it with {@code nc 127.0.0.1 <port>}.
 *
 * <p>Backpressure, both ways: reading is paused while the handler has
 * {@link TcpOptions#inboundHighWater()} chunks it has not echoed yet, and the handler suspends
 * reading while its echoes are not being read ({@link TcpEvent.Unwritable}, until
 * {@link TcpEvent.Writable}), so a client that sends without reading is held back by TCP rather
 * than making the server queue its echoes.
 */
public final class EchoServer {
    private EchoServer() {
    }

    /** The handler of one connection: writes every received chunk back, as it is. */
    record Echo(TcpConnection<ByteBuffer> conn) implements Actor<TcpEvent<ByteBuffer>> {
        @Override
        public void receive(ActorContext<TcpEvent<ByteBuffer>> ctx, TcpEvent<ByteBuffer> event) {
            switch (event) {
                case TcpEvent.Received<ByteBuffer>(ByteBuffer chunk) ->
                        conn.write(chunk); // false only once the connection is closing: nothing left to do
                case TcpEvent.Unwritable<ByteBuffer> full -> conn.suspendReading();
                case TcpEvent.Writable<ByteBuffer> drained -> conn.resumeReading();
                default -> { }
            }
        }
    }

    /**
     * Binds an echo server on {@code system}.
     *
     * @param port 0 picks any free port ({@link TcpServer#port()})
     * @throws java.io.UncheckedIOException the address cannot be bound
     * @throws IllegalArgumentException      the host does not resolve
     */
    public static TcpServer start(ActorSystem system, String host, int port, TcpOptions options) {
        return TcpServer.bind(system, ServerProcess.bindAddress(host, port), Framing.raw(), Echo::new, options);
    }

    /**
     * The echo server's options: the defaults, with at most 32 unechoed chunks per connection, so
     * that what is already read when the handler suspends reading (32 chunks of at most 64 KiB)
     * stays well below the 4 MiB outbound limit.
     */
    public static TcpOptions options() {
        return TcpOptions.defaults().withInboundWaterMarks(8, 32);
    }

    /** Runs the server until the process is signalled; see the class comment for the flags. */
    public static void main(String[] argv) {
        ServerArgs args = ServerArgs.parseOrExit("EchoServer", argv);
        ServerProcess.run("EchoServer", args,
                (system, a) -> start(system, a.host(), a.port(), options()));
    }
}
