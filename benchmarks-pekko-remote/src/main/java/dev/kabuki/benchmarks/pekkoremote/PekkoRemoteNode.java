/*
 * The Apache Pekko peer of kabuki's remote benchmark (R1 ping-pong, R2 one-way, idle CPU).
 *
 * What it is: one node, server or client, of Pekko 1.7.0 typed actors talking over Artery, with
 * either of Artery's transports: TCP ("pekko-tcp") or Aeron UDP with an embedded media driver
 * ("pekko-aeron"). The measurement is not here: RemoteBenchMain (benchmarks/src/remote-harness,
 * compiled into this module) parses the options, times the iterations, reads both processes' CPU
 * and prints the RESULT lines, exactly as it does for kabuki's node; this class only serves and
 * connects. Messages are written by BenchSerializer (no Java serialization); everything else is
 * Pekko's defaults (dispatchers, lanes, outbound queue sizes, Aeron idle-cpu-level).
 *
 * How the suite runs it (benchmarks/run; the JVM flags are benchmarks-pekko-remote/jvm.flags):
 *   mvn -B -DskipTests -pl benchmarks-pekko-remote package      # target/pekko-remote-bench.jar
 *   java $(cat benchmarks-pekko-remote/jvm.flags) -Xms512m -Xmx512m -XX:+AlwaysPreTouch \
 *       -jar benchmarks-pekko-remote/target/pekko-remote-bench.jar --transport tcp server --port 0
 *     -> prints "listening on pekko://bench@127.0.0.1:PORT"; serves until SIGTERM
 *   java $(cat benchmarks-pekko-remote/jvm.flags) -Xms256m -Xmx256m \
 *       -jar benchmarks-pekko-remote/target/pekko-remote-bench.jar --transport tcp client \
 *       --server pekko://bench@127.0.0.1:PORT --mode R1|R2|idle --server-pid PID [harness options]
 * with --transport aeron-udp on both nodes for the Aeron runs.
 *
 * The JVM flags (jvm.flags, one line; fine on JDK 21 as well as 25):
 *   --add-opens java.base/sun.nio.ch=ALL-UNNAMED  required for aeron-udp on JDK 17+: Agrona 1.22's
 *       TransportPoller (used by Aeron's media driver) makes sun.nio.ch.SelectorImpl's selected-key
 *       fields accessible in its static initializer; without it the embedded media driver fails to
 *       start (ExceptionInInitializerError, InaccessibleObjectException). Unused by tcp.
 *   -Dsun.misc.unsafe.memory.access=allow  Pekko (org.apache.pekko.util.Unsafe), Agrona 1.22 and
 *       Aeron use sun.misc.Unsafe's memory-access methods, which JDK 24+ reports on stderr at
 *       first use (JEP 498) and a later JDK will deny by default. This is the property JDK 23+'s
 *       --sun-misc-unsafe-memory-access=allow option sets, written as -D so that a JDK 21 or 22
 *       (which would refuse the unknown option and not start) just ignores it.
 */
package dev.kabuki.benchmarks.pekkoremote;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.ClientMsg;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Ping;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Pong;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.RunOneWay;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.RunPingPong;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.SinkMsg;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Stop;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchClient;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchMain;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchProbe;
import dev.kabuki.benchmarks.remote.harness.RemoteBenchSide;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.LoggerFactory;

/**
 * A Pekko Artery node of the remote benchmark: {@code --transport tcp|aeron-udp} then the harness's
 * arguments (see {@link RemoteBenchMain}). The server's actors are {@code /user/ponger} (R1) and
 * {@code /user/sink} (R2) in the actor system {@code bench}; the address it prints, and a client
 * takes as {@code --server}, is the system's, e.g. {@code pekko://bench@127.0.0.1:25520}.
 */
public final class PekkoRemoteNode implements RemoteBenchSide {
    private static final String SERVER_SYSTEM = "bench";
    private static final String CLIENT_SYSTEM = "benchclient";
    private static final String AERON_DIR_PREFIX = "pekko-bench-aeron-";
    /** How long one connect attempt waits for its pong before the next is sent. */
    private static final Duration CONNECT_ATTEMPT = Duration.ofSeconds(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long shutdown() waits for the system to terminate (normally 1-2 s): a little more than
     * Pekko's own bound on its actor-system-terminate phase (10 s), after which it would not finish.
     */
    private static final Duration TERMINATE_TIMEOUT = Duration.ofSeconds(12);

    private final String transport;
    /** The embedded Aeron media driver's directory (aeron-udp only), unique to this process. */
    private final Path aeronDir;
    private volatile ActorSystem<?> system;

    PekkoRemoteNode(String transport) {
        this.transport = transport;
        this.aeronDir = transport.equals("aeron-udp") ? uniqueAeronDir() : null;
    }

    public static void main(String[] args) {
        if (args.length < 2 || !args[0].equals("--transport")
                || !(args[1].equals("tcp") || args[1].equals("aeron-udp"))) {
            System.err.println("usage: --transport tcp|aeron-udp server|client [harness options]");
            System.exit(2);
        }
        // Logback up before Pekko's threads log concurrently (else slf4j warns it replayed calls).
        LoggerFactory.getILoggerFactory();
        String side = args[1].equals("tcp") ? "pekko-tcp" : "pekko-aeron";
        RemoteBenchMain.run(side, new PekkoRemoteNode(args[1]), Arrays.copyOfRange(args, 2, args.length));
    }

    /**
     * The node's configuration: Pekko's reference.conf with remoting and the benchmark's serializer.
     * System properties still win (ConfigFactory's usual overrides), so that an experiment can change
     * a setting with -D, e.g. -Dpekko.remote.artery.advanced.aeron.idle-cpu-level=1; the suite sets none.
     */
    Config config(String host, int port) {
        String conf = """
                pekko {
                  # Pekko logs through slf4j (logback, WARN, to stderr): stdout is the harness's.
                  loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                  logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                  loglevel = "WARNING"
                  stdout-loglevel = "WARNING"
                  # The harness owns the process's end: a server's SIGTERM hook and a client's last
                  # step call shutdown(), which terminates the system (running CoordinatedShutdown).
                  # Pekko's own JVM hook would race it (and warn that it could not add a hook).
                  jvm-shutdown-hooks = off
                  actor {
                    provider = remote
                    serializers {
                      kabuki-bench = "dev.kabuki.benchmarks.pekkoremote.BenchSerializer"
                    }
                    serialization-bindings {
                      "dev.kabuki.benchmarks.pekkoremote.BenchProtocol$Remote" = kabuki-bench
                    }
                    # Pekko's default, restated: a message without a serializer fails, it is never
                    # written with Java serialization.
                    allow-java-serialization = off
                  }
                  # Plain remoting without a cluster is what this benchmark measures: no start-up
                  # warning recommending Pekko Cluster (its other one, "Pekko Cluster not in use",
                  # has no switch: logback.xml quiets it).
                  remote.warn-about-direct-use = off
                  remote.artery {
                    enabled = on
                    transport = %s
                    canonical.hostname = "%s"
                    # 0: a free port (the server prints the one bound; the client always uses 0).
                    canonical.port = %d
                    # Everything else at Pekko's defaults, among them
                    # advanced.outbound-message-queue-size = 3072 (per association; R2's window
                    # must stay below it: the harness's default 2000 does).
                    advanced.aeron {
                      # aeron-udp only. The embedded media driver (Pekko's default,
                      # embedded-media-driver = on) in a directory of this process's own, which
                      # Pekko deletes when the system terminates (delete-aeron-dir = yes, its
                      # default) and so does shutdown() if anything is left.
                      # idle-cpu-level stays at Pekko's default, 5 (of 1-10): the media driver runs
                      # SHARED_NETWORK (sender and receiver on one thread, conductor on another) and
                      # it and Artery's task runner idle with a BackoffIdleStrategy of 4500 spins,
                      # 25 yields, then parking from 1 ns up to 130 us.
                      aeron-dir = "%s"
                    }
                  }
                }
                """.formatted(transport, host, port, aeronDir == null ? "" : aeronDir.toString());
        return ConfigFactory.defaultOverrides()
                .withFallback(ConfigFactory.parseString(conf))
                .withFallback(ConfigFactory.load());
    }

    @Override
    public String serve(String host, int port) throws Exception {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        ActorSystem<Void> server;
        try {
            server = ActorSystem.create(BenchActors.server(ready), SERVER_SYSTEM, config(host, port));
        } catch (RuntimeException | Error e) {
            deleteAeronDir(); // Pekko terminated the half-started system; the harness exits now
            throw e;
        }
        system = server;
        try {
            ready.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            shutdown();
            throw new IllegalStateException("the server's actors did not start within 30 s", e);
        }
        // Artery has bound by now (ActorSystem.create starts remoting): the address has the port.
        return server.address().toString();
    }

    @Override
    public RemoteBenchClient connect(String host, String address, Duration timeout) throws Exception {
        if (!address.startsWith("pekko://" + SERVER_SYSTEM + "@")) {
            throw new IllegalArgumentException("--server must be the address the server printed, pekko://"
                    + SERVER_SYSTEM + "@HOST:PORT, not '" + address + "'");
        }
        ActorSystem<ClientMsg> client;
        try {
            client = ActorSystem.create(BenchActors.Client.create(), CLIENT_SYSTEM, config(host, 0));
        } catch (RuntimeException | Error e) {
            deleteAeronDir();
            throw e;
        }
        system = client;
        try {
            ActorRefResolver resolver = ActorRefResolver.get(client);
            ActorRef<Ping> ponger = resolver.resolveActorRef(address + "/user/" + BenchActors.PONGER);
            ActorRef<SinkMsg> sink = resolver.resolveActorRef(address + "/user/" + BenchActors.SINK);
            awaitRoundTrip(client, ponger, timeout);
            return new Client(client, ponger, sink);
        } catch (Exception | Error e) {
            try {
                shutdown(); // this node's system and Aeron directory: the harness exits without it
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** One ping-pong with the server's ponger, so the association is up; attempts until {@code timeout}. */
    private static void awaitRoundTrip(ActorSystem<?> client, ActorRef<Ping> ponger, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no pong from " + ponger.path() + " within " + timeout.toSeconds()
                        + " s: is the server running there, with the same --transport?");
            }
            Duration attempt = Duration.ofNanos(Math.min(left, CONNECT_ATTEMPT.toNanos()));
            try {
                AskPattern.<Ping, Pong>ask(ponger, replyTo -> new Ping(System.nanoTime(), new byte[0], replyTo),
                        attempt, client.scheduler()).toCompletableFuture().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TimeoutException)) {
                    throw e;
                }
                // No pong yet (the association may still be handshaking): ask again.
            }
        }
    }

    @Override
    public void shutdown() throws Exception {
        ActorSystem<?> s = system;
        try {
            if (s != null) {
                s.terminate();
                s.getWhenTerminated().toCompletableFuture().get(TERMINATE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            deleteAeronDir();
        }
    }

    /**
     * A fresh directory name under /dev/shm (Aeron's own default place on Linux), else the temp dir:
     * {@code pekko-bench-aeron-PID-RANDOM}. Directories of that name left by a process that no longer
     * runs (killed, or halted by the harness before shutdown) are deleted first.
     */
    private static Path uniqueAeronDir() {
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        deleteStaleAeronDirs(base);
        return base.resolve(AERON_DIR_PREFIX + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
    }

    private static void deleteStaleAeronDirs(Path base) {
        try (Stream<Path> dirs = Files.list(base)) {
            for (Path dir : dirs.toList()) {
                String name = dir.getFileName().toString();
                if (!name.startsWith(AERON_DIR_PREFIX)) {
                    continue;
                }
                String pid = name.substring(AERON_DIR_PREFIX.length()).replaceFirst("-.*", "");
                if (pid.matches("[0-9]+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    deleteRecursively(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("pekko remote bench: could not clean up old Aeron directories in " + base + ": " + e);
        }
    }

    private void deleteAeronDir() throws IOException {
        if (aeronDir != null) {
            deleteRecursively(aeronDir);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The client node: its one actor is the system's guardian. */
    private static final class Client implements RemoteBenchClient {
        private final ActorSystem<ClientMsg> system;
        private final ActorRef<Ping> ponger;
        private final ActorRef<SinkMsg> sink;

        Client(ActorSystem<ClientMsg> system, ActorRef<Ping> ponger, ActorRef<SinkMsg> sink) {
            this.system = system;
            this.ponger = ponger;
            this.sink = sink;
        }

        @Override
        public void startPingPong(int size, RemoteBenchProbe probe) {
            system.tell(new RunPingPong(ponger, size, probe));
        }

        @Override
        public void startOneWay(int size, int window, int ackEvery, RemoteBenchProbe probe) {
            system.tell(new RunOneWay(sink, size, window, ackEvery, probe));
        }

        @Override
        public void stop() throws Exception {
            AskPattern.ask(system, Stop::new, STOP_TIMEOUT, system.scheduler())
                    .toCompletableFuture().get();
        }
    }
}
