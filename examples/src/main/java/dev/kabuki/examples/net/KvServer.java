package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.SupervisorStrategy;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis-protocol (RESP2) key-value server built on kabuki actors and kabuki-net: strings with
 * optional expiry, sharded over store actors, every write journaled to an append-only file and
 * replayed at start.
 *
 * <pre>
 * KvServer --data DIR [--host 127.0.0.1] [--port 0] [--fsync always|everysec] [--shards N]
 * </pre>
 * It prints one line on standard output, {@code listening on <ip>:<port>} (the bound address),
 * once it accepts connections; everything else goes to the log (standard error). SIGINT and
 * SIGTERM stop it cleanly (the journal flushed, fsynced and closed; exit status 130 or 143).
 * Bad flags: usage on standard error, exit code 2; {@code --help}: usage on standard output,
 * exit code 0. It cannot start (the address is in use, the journal is not one): exit code 1.
 *
 * <h2>How a command travels</h2>
 * <ol>
 *   <li>The I/O thread decodes RESP ({@link RespCodec}, {@link RespDecoder}) and tells each
 *       command to the connection's actor ({@link KvConnection}).</li>
 *   <li>The connection plans it ({@link CommandPlanner}): answered at once, or sent to the
 *       {@link ShardActor} owning its key, or scattered over several shards and gathered.</li>
 *   <li>A shard applies it to its {@link Keyspace} and replies; a write's effect also goes to the
 *       {@link JournalActor} (through the {@link JournalAppendQueue}), which appends and fsyncs
 *       it on the blocking dispatcher; with {@code --fsync always} it, not the shard, replies once
 *       the record is durable.</li>
 *   <li>The connection writes replies in request order ({@link ReplyReorderBuffer}).</li>
 * </ol>
 *
 * <h2>Deviations from Redis</h2>
 * Only strings; one database; no AUTH, MULTI, pub/sub, RESP3 (HELLO is an unknown command, so
 * clients fall back to RESP2). A multi-key write (MSET, DEL, FLUSHALL over several shards) is
 * applied by each shard separately, so it is not atomic: another client may see part of it. The
 * journal is never compacted. A bulk string must be followed by CRLF (Redis skips two bytes).
 */
public final class KvServer {
    private static final Logger LOG = LoggerFactory.getLogger(KvServer.class);
    /** The journal's file name inside the data directory. */
    public static final String JOURNAL_FILE = "kv.journal";

    private KvServer() {
    }

    /**
     * Everything a server needs. Immutable; {@link #defaults(Path)} documents each default.
     *
     * @param host          where to listen. Default 127.0.0.1
     * @param port          the port, 0 for any free one. Default 0
     * @param dataDir       the journal's directory. Required
     * @param fsync         when the journal fsyncs. Default {@link FsyncPolicy#EVERYSEC}
     * @param shards        store actors. Default: the number of cores
     * @param limits        what a client may send. Default {@link RespLimits#defaults()}
     * @param sweepInterval how often each shard sweeps expired keys. Default 100 ms
     * @param clock         epoch milliseconds, for expiry. Default {@link System#currentTimeMillis()}
     * @param name          prefix of the server's actor names, unique per actor system. Default "kv"
     */
    public record Config(String host, int port, Path dataDir, FsyncPolicy fsync, int shards, RespLimits limits,
                         Duration sweepInterval, LongSupplier clock, String name) {

        /** Checks every value. */
        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(fsync, "fsync");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(name, "name");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            if (shards < 1) {
                throw new IllegalArgumentException("shards must be at least 1, got " + shards);
            }
            if (sweepInterval == null || !sweepInterval.isPositive()) {
                throw new IllegalArgumentException("sweepInterval must be positive, got " + sweepInterval);
            }
        }

        /** The defaults, with the journal in {@code dataDir}. */
        public static Config defaults(Path dataDir) {
            return new Config("127.0.0.1", 0, dataDir, FsyncPolicy.EVERYSEC, Runtime.getRuntime().availableProcessors(),
                    RespLimits.defaults(), Duration.ofMillis(100), System::currentTimeMillis, "kv");
        }

        /** A copy listening on host {@code h}. */
        public Config withHost(String h) {
            return new Config(h, port, dataDir, fsync, shards, limits, sweepInterval, clock, name);
        }

        /** A copy listening on port {@code p} (0: any free port). */
        public Config withPort(int p) {
            return new Config(host, p, dataDir, fsync, shards, limits, sweepInterval, clock, name);
        }

        /** A copy with fsync policy {@code f}. */
        public Config withFsync(FsyncPolicy f) {
            return new Config(host, port, dataDir, f, shards, limits, sweepInterval, clock, name);
        }

        /** A copy with {@code n} shards. */
        public Config withShards(int n) {
            return new Config(host, port, dataDir, fsync, n, limits, sweepInterval, clock, name);
        }

        /** A copy with the client limits {@code l}. */
        public Config withLimits(RespLimits l) {
            return new Config(host, port, dataDir, fsync, shards, l, sweepInterval, clock, name);
        }

        /** A copy whose actors are named after {@code n}. */
        public Config withName(String n) {
            return new Config(host, port, dataDir, fsync, shards, limits, sweepInterval, clock, n);
        }
    }

    /**
     * A started server. {@link #close()} stops it: no new connections, open ones closed, the
     * shards stopped, the journal flushed, fsynced and closed. Closing the actor system does the
     * same.
     */
    public static final class Running implements AutoCloseable {
        private final TcpServer server;
        private final ActorSystem system;
        private final ActorRef<JournalMsg> journal;
        private final CompletableFuture<Void> journalClosed;
        private final ReplayReport replay;
        private final Path journalFile;

        private Running(TcpServer server, ActorSystem system, ActorRef<JournalMsg> journal,
                        CompletableFuture<Void> journalClosed, ReplayReport replay, Path journalFile) {
            this.server = server;
            this.system = system;
            this.journal = journal;
            this.journalClosed = journalClosed;
            this.replay = replay;
            this.journalFile = journalFile;
        }

        /** The port it listens on. */
        public int port() {
            return server.port();
        }

        /** The address it listens on. */
        public InetSocketAddress address() {
            return server.address();
        }

        /** What the replay at start found. */
        public ReplayReport replay() {
            return replay;
        }

        /** The journal file. */
        public Path journalFile() {
            return journalFile;
        }

        /** Connections open now. */
        public int connectionCount() {
            return server.connectionCount();
        }

        /** Whether the journal file has been closed (by {@link #close()} or the system's shutdown). */
        public boolean journalClosed() {
            return journalClosed.isDone();
        }

        /**
         * Stops the server and waits (up to 10 s) for the journal to be closed. Idempotent.
         * Blocks: call it from outside the actor system's threads.
         */
        @Override
        public void close() {
            server.close();
            system.stop(journal);
            try {
                journalClosed.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("kv server on port {}: the journal did not close within 10 s", port(), e);
            }
        }
    }

    /**
     * Replays the journal in {@code config.dataDir()}, starts the shards and the journal, then
     * binds: the first connection is accepted only after the replay. Blocks while it replays.
     *
     * @throws UncheckedIOException the data directory or journal cannot be used, or the address
     *                              cannot be bound
     */
    public static Running start(ActorSystem system, Config config) {
        Path journalFile = config.dataDir().resolve(JOURNAL_FILE);
        Keyspace[] keyspaces = new Keyspace[config.shards()];
        for (int i = 0; i < keyspaces.length; i++) {
            keyspaces[i] = new Keyspace();
        }
        ReplayReport replay;
        JournalFile file;
        try {
            Files.createDirectories(config.dataDir());
            long now = config.clock().getAsLong();
            replay = JournalReplay.replay(journalFile, new KeyspaceRestorer(keyspaces, now));
            file = JournalFile.open(journalFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the journal " + journalFile + ": " + e.getMessage(), e);
        }
        LOG.info("journal {}: replayed {} records", journalFile, replay.records());

        JournalAppendQueue queue = new JournalAppendQueue();
        CompletableFuture<Void> journalClosed = new CompletableFuture<>();
        int shardCount = config.shards();
        JournalActor.ShardFactory shardFactory = (shard, journal) -> new ShardActor(shard, shardCount,
                keyspaces[shard], queue, journal, config.fsync(), config.clock(), config.sweepInterval());
        ActorRef<JournalMsg> journal;
        try {
            journal = system.spawnActor(config.name() + "-journal",
                    () -> new JournalActor(file, queue, config.fsync(), shardCount, shardFactory, journalClosed),
                    ActorOptions.defaults().runOnBlockingDispatcher().supervision(SupervisorStrategy.stop()));
        } catch (RuntimeException e) {
            closeQuietly(file);
            throw e;
        }
        List<ActorRef<ShardMsg>> shards;
        TcpServer server;
        try {
            shards = journal.<List<ActorRef<ShardMsg>>>ask(JournalMsg.GetShards::new, Duration.ofSeconds(10)).join();
            CommandPlanner planner = new CommandPlanner(shardCount, config.clock(), Map.of(
                    "save", "", "appendonly", "yes", "appendfsync", config.fsync().flagName(), "databases", "1"));
            server = TcpServer.bind(system, new InetSocketAddress(config.host(), config.port()),
                    new RespCodec(config.limits()), conn -> new KvConnection(conn, shards, planner),
                    KvConnMsg.Net::new, tcpOptions());
        } catch (RuntimeException e) {
            system.stop(journal);
            throw e;
        }
        LOG.info("kv server listening on {} with {} shard(s), fsync {}", server.address(), shardCount,
                config.fsync().flagName());
        return new Running(server, system, journal, journalClosed, replay, journalFile);
    }

    /**
     * Outbound limits sized for large values: a reply is queued whole, so the hard limit must
     * hold the largest value (512 MiB) with room to spare; a client that stops reading is closed
     * above it.
     */
    private static TcpOptions tcpOptions() {
        return TcpOptions.defaults().withOutboundLimits(256 << 10, 1 << 20, 1L << 30,
                TcpOptions.OutboundOverflow.CLOSE);
    }

    private static void closeQuietly(JournalFile file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed", file.path(), e);
        }
    }

    /** Runs a server until SIGINT or SIGTERM. See the class comment for the flags. */
    public static void main(String[] args) {
        if (KvServerFlags.asksForHelp(args)) {
            System.out.println(KvServerFlags.USAGE);
            return;
        }
        Config config;
        try {
            config = KvServerFlags.parse(args);
        } catch (KvServerFlags.UsageException e) {
            System.err.println("KvServer: " + e.getMessage());
            System.err.println(KvServerFlags.USAGE);
            System.exit(2);
            return;
        }
        ActorSystem system = ActorSystem.builder().threadNamePrefix("kv").build();
        Running running;
        try {
            running = start(system, config);
        } catch (RuntimeException e) {
            LOG.error("KvServer could not start: {}", e.getMessage(), e);
            system.close();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            running.close();
            system.close();
        }, "kv-stop"));
        System.out.println("listening on " + running.address().getHostString() + ":" + running.port());
        System.out.flush();
        system.whenTerminated().join();
    }
}
