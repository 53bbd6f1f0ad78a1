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
 * <p>Backpressure: a client that sends without reading gets its echoes queued on the server up to
 * {@link TcpOptions#outboundLimit()} (4 MiB by default) and is then disconnected
 * ({@code OUTBOUND_OVERFLOW}). Reading is paused while the handler has
 * {@link TcpOptions#inboundHighWater()} chunks it has not echoed yet.
 */
public final class EchoServer {
    private EchoServer() {
    }

    /** The handler of one connection: writes every received chunk back, as it is. */
    record Echo(TcpConnection<ByteBuffer> conn) implements Actor<TcpEvent<ByteBuffer>> {
        @Override
        public void receive(ActorContext<TcpEvent<ByteBuffer>> ctx, TcpEvent<ByteBuffer> event) {
            if (event instanceof TcpEvent.Received<ByteBuffer>(ByteBuffer chunk)) {
                conn.write(chunk); // false only once the connection is closing: nothing left to do
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

    /** Runs the server until the process is signalled; see the class comment for the flags. */
    public static void main(String[] argv) {
        ServerArgs args = ServerArgs.parseOrExit("EchoServer", argv);
        ServerProcess.run("EchoServer", args,
                (system, a) -> start(system, a.host(), a.port(), TcpOptions.defaults()));
    }
}
