package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.TcpServer;
import java.net.InetSocketAddress;

/**
 * A network example server run as a process: the part of {@code main} every such server shares.
 *
 * <ol>
 *   <li>Builds an actor system and registers a shutdown hook that closes it, so SIGINT and
 *       SIGTERM close every connection and stop every actor before the JVM exits. The JVM then
 *       exits with the signal's status: 130 for SIGINT, 143 for SIGTERM (128 + the signal
 *       number).</li>
 *   <li>Starts the server. If it cannot (the address is in use, the host does not resolve),
 *       prints {@code <program>: <reason>} on stderr and exits with status 1.</li>
 *   <li>Prints exactly one line on stdout, {@code listening on <ip>:<port>} (the bound address,
 *       so the port is the one picked for {@code --port 0}), once the socket accepts
 *       connections. Everything else goes to the log (stderr).</li>
 * </ol>
 * Then {@code main} returns; the system's non-daemon threads keep the JVM running until a signal.
 */
final class ServerProcess {
    private ServerProcess() {
    }

    /** Starts a server on a system, with the parsed command line. */
    @FunctionalInterface
    interface Starter {
        TcpServer start(ActorSystem system, ServerArgs args);
    }

    static void run(String program, ServerArgs args, Starter starter) {
        ActorSystem system = ActorSystem.builder().threadNamePrefix(program).build();
        Runtime.getRuntime().addShutdownHook(new Thread(system::close, program + "-shutdown-hook"));
        TcpServer server;
        try {
            server = starter.start(system, args);
        } catch (RuntimeException e) {
            System.err.println(program + ": cannot start: " + (e.getMessage() == null ? e : e.getMessage()));
            System.exit(1);
            return;
        }
        System.out.println("listening on " + server.address().getHostString() + ":" + server.port());
        System.out.flush();
    }

    /**
     * The address to bind for {@code host} and {@code port}, resolved here so that an unknown
     * host fails with a message naming it.
     *
     * @throws IllegalArgumentException the host does not resolve
     */
    static InetSocketAddress bindAddress(String host, int port) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
        return address;
    }
}
