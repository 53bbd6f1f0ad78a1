package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.SupervisorStrategy;
import dev.kabuki.net.TcpOptions;
import dev.kabuki.net.TcpServer;
import dev.kabuki.remote.Listing;
import dev.kabuki.remote.RemoteActors;
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
 *          [--node-port P --nodes N --node-index I [--node-host H] [--seed kabuki://kv@H:P]... [--cookie C]]
 * </pre>
 * With {@code --node-port} it is one node of a cluster ({@link Cluster}, {@link KvCluster}): the
 * keys are spread over the shards of every node, and a client may send any command to any node.
 * It then prints {@code cluster: node I of N at kabuki://kv@H:P, shards a-b local} first, and
 * listens only once it knows every shard of the cluster.
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
     * @param cluster       this node's place in a cluster whose nodes share the keys, or null for a
     *                      server on its own. Default null
     */
    public record Config(String host, int port, Path dataDir, FsyncPolicy fsync, int shards, RespLimits limits,
                         Duration sweepInterval, LongSupplier clock, String name, Cluster cluster) {

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
                    RespLimits.defaults(), Duration.ofMillis(100), System::currentTimeMillis, "kv", null);
        }

        /** A copy listening on host {@code h}. */
        public Config withHost(String h) {
            return new Config(h, port, dataDir, fsync, shards, limits, sweepInterval, clock, name, cluster);
        }

        /** A copy listening on port {@code p} (0: any free port). */
        public Config withPort(int p) {
            return new Config(host, p, dataDir, fsync, shards, limits, sweepInterval, clock, name, cluster);
        }

        /** A copy with fsync policy {@code f}. */
        public Config withFsync(FsyncPolicy f) {
            return new Config(host, port, dataDir, f, shards, limits, sweepInterval, clock, name, cluster);
        }

        /** A copy with {@code n} shards. */
        public Config withShards(int n) {
            return new Config(host, port, dataDir, fsync, n, limits, sweepInterval, clock, name, cluster);
        }

        /** A copy with the client limits {@code l}. */
        public Config withLimits(RespLimits l) {
            return new Config(host, port, dataDir, fsync, shards, l, sweepInterval, clock, name, cluster);
        }

        /** A copy whose actors are named after {@code n}. */
        public Config withName(String n) {
            return new Config(host, port, dataDir, fsync, shards, limits, sweepInterval, clock, n, cluster);
        }

        /** A copy that is node {@code c.nodeIndex()} of a cluster (null: a server on its own). */
        public Config withCluster(Cluster c) {
            return new Config(host, port, dataDir, fsync, shards, limits, sweepInterval, clock, name, c);
        }

        /** The shards of the whole cluster: {@code nodes * shards} (just {@code shards} outside a cluster). */
        public int totalShards() {
            return cluster == null ? shards : cluster.nodes() * shards;
        }

        /** The global index of this node's first shard (0 outside a cluster). */
        public int firstShard() {
            return cluster == null ? 0 : cluster.nodeIndex() * shards;
        }
    }

    /**
     * A node's place in a cluster of KvServers whose keys are spread over all their shards: the
     * cluster has {@code nodes * shards} shards (every node must be given the same
     * {@code --shards}), and node {@code nodeIndex} runs and journals shards
     * {@code [nodeIndex * shards, (nodeIndex + 1) * shards)}. Static: no node joins or leaves.
     *
     * @param nodeHost      where this node's remote side listens (UDP)
     * @param nodePort      its port; 0 for any free one (tests: give the resolved address to the others)
     * @param seeds         the other nodes, {@code kabuki://kv@host:port} each (a node needs to dial only
     *                      one that is up; the others dial it)
     * @param nodes         how many nodes the cluster has
     * @param nodeIndex     this node's place, 0 to {@code nodes - 1}
     * @param cookie        the shared secret, at least 16 characters
     * @param joinTimeout   how long {@link #start} waits to know every shard
     * @param remoteTimeout how long a request to another node's shard may take before it is answered
     *                      with an error
     */
    public record Cluster(String nodeHost, int nodePort, List<String> seeds, int nodes, int nodeIndex, String cookie,
                          Duration joinTimeout, Duration remoteTimeout) {

        /** Checks every value. */
        public Cluster {
            Objects.requireNonNull(nodeHost, "nodeHost");
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(cookie, "cookie");
            Objects.requireNonNull(joinTimeout, "joinTimeout");
            Objects.requireNonNull(remoteTimeout, "remoteTimeout");
            if (nodePort < 0 || nodePort > 65535) {
                throw new IllegalArgumentException("nodePort must be between 0 and 65535, got " + nodePort);
            }
            if (nodes < 1) {
                throw new IllegalArgumentException("nodes must be at least 1, got " + nodes);
            }
            if (nodeIndex < 0 || nodeIndex >= nodes) {
                throw new IllegalArgumentException("nodeIndex must be between 0 and " + (nodes - 1) + ", got " + nodeIndex);
            }
            if (cookie.length() < 16) {
                throw new IllegalArgumentException("cookie must have at least 16 characters, got " + cookie.length());
            }
            if (!joinTimeout.isPositive() || !remoteTimeout.isPositive()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }

        /** Node {@code nodeIndex} of {@code nodes}; waits up to 10 minutes for the others, remote requests time out after 5 s. */
        public static Cluster of(String nodeHost, int nodePort, List<String> seeds, int nodes, int nodeIndex,
                                 String cookie) {
            return new Cluster(nodeHost, nodePort, seeds, nodes, nodeIndex, cookie, Duration.ofMinutes(10),
                    Duration.ofSeconds(5));
        }

        /** A copy that waits at most {@code d} for the other nodes' shards. */
        public Cluster withJoinTimeout(Duration d) {
            return new Cluster(nodeHost, nodePort, seeds, nodes, nodeIndex, cookie, d, remoteTimeout);
        }

        /** A copy whose requests to other nodes' shards time out after {@code d}. */
        public Cluster withRemoteTimeout(Duration d) {
            return new Cluster(nodeHost, nodePort, seeds, nodes, nodeIndex, cookie, joinTimeout, d);
        }
    }

    /**
     * An actor system for a server with {@code config}: named {@code kv}, with its remote side
     * ({@link KvCluster#remoteSettings}) when the config is a cluster node's.
     */
    public static ActorSystem newSystem(Config config) {
        ActorSystem.Builder b = ActorSystem.builder().name(KvCluster.SYSTEM_NAME).threadNamePrefix("kv");
        if (config.cluster() != null) {
            b = b.remote(KvCluster.remoteSettings(config.cluster()));
        }
        return b.build();
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
        private final ActorRef<Listing<ShardMsg>> directory;
        private final CompletableFuture<Void> journalClosed;
        private final ReplayReport replay;
        private final Path journalFile;
        private final List<ActorRef<ShardMsg>> localShards;
        private final String clusterLine;

        private Running(TcpServer server, ActorSystem system, ActorRef<JournalMsg> journal,
                        ActorRef<Listing<ShardMsg>> directory, CompletableFuture<Void> journalClosed,
                        ReplayReport replay, Path journalFile, List<ActorRef<ShardMsg>> localShards,
                        String clusterLine) {
            this.server = server;
            this.system = system;
            this.journal = journal;
            this.directory = directory;
            this.localShards = localShards;
            this.clusterLine = clusterLine;
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

        /**
         * In a cluster, {@code cluster: node I of N at kabuki://kv@host:port, shards a-b local};
         * null for a server on its own.
         */
        public String clusterLine() {
            return clusterLine;
        }

        /**
         * The keys held by this node's own shards (in a cluster, a part of what DBSIZE counts).
         * Asks each local shard; blocks up to 10 s per shard.
         */
        public long localKeyCount() {
            long n = 0;
            for (ActorRef<ShardMsg> shard : localShards) {
                KvConnMsg.ShardReply r = shard.<KvConnMsg.ShardReply>ask(
                        replyTo -> new ShardMsg.Request(new ShardOp.DbSize(), 0, 0, replyTo), Duration.ofSeconds(10))
                        .join();
                n += ((RespReply.Int) r.reply()).value();
            }
            return n;
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
            if (directory != null) {
                system.stop(directory);
            }
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
        int first = config.firstShard();
        int total = config.totalShards();
        Keyspace[] keyspaces = new Keyspace[config.shards()];
        for (int i = 0; i < keyspaces.length; i++) {
            keyspaces[i] = new Keyspace();
        }
        ReplayReport replay;
        JournalFile file;
        KeyspaceRestorer restorer;
        try {
            Files.createDirectories(config.dataDir());
            long now = config.clock().getAsLong();
            restorer = new KeyspaceRestorer(keyspaces, first, total, now);
            replay = JournalReplay.replay(journalFile, restorer);
            file = JournalFile.open(journalFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the journal " + journalFile + ": " + e.getMessage(), e);
        }
        LOG.info("journal {}: replayed {} records", journalFile, replay.records());
        if (restorer.foreignRecords() > 0) {
            LOG.warn("journal {}: skipped {} records of keys that shards {}-{} of {} do not own (the cluster's layout"
                    + " changed: keys are not moved between nodes)", journalFile, restorer.foreignRecords(), first,
                    first + config.shards() - 1, total);
        }

        JournalAppendQueue queue = new JournalAppendQueue();
        CompletableFuture<Void> journalClosed = new CompletableFuture<>();
        JournalActor.ShardFactory shardFactory = (shard, journal) -> new ShardActor(shard, total,
                keyspaces[shard - first], queue, journal, config.fsync(), config.clock(), config.sweepInterval());
        ActorRef<JournalMsg> journal;
        try {
            journal = system.spawnActor(config.name() + "-journal",
                    () -> new JournalActor(file, queue, config.fsync(), first, config.shards(), shardFactory,
                            journalClosed),
                    ActorOptions.defaults().runOnBlockingDispatcher().supervision(SupervisorStrategy.stop()));
        } catch (RuntimeException e) {
            closeQuietly(file);
            throw e;
        }
        List<ActorRef<ShardMsg>> local;
        ShardTable shards;
        ActorRef<Listing<ShardMsg>> directory = null;
        String clusterLine = null;
        TcpServer server;
        try {
            local = journal.<List<ActorRef<ShardMsg>>>ask(JournalMsg.GetShards::new, Duration.ofSeconds(10)).join();
            Duration remoteTimeout = Duration.ofSeconds(5);
            if (config.cluster() == null) {
                shards = ShardTable.localOnly(local);
            } else {
                Cluster cluster = config.cluster();
                remoteTimeout = cluster.remoteTimeout();
                RemoteActors remote = RemoteActors.of(system);
                shards = new ShardTable(total, first, local);
                for (ActorRef<ShardMsg> shard : local) {
                    remote.register(KvCluster.SHARDS, shard);
                }
                CompletableFuture<Void> complete = new CompletableFuture<>();
                ShardTable table = shards;
                directory = system.spawnActor(config.name() + "-directory",
                        () -> new ShardDirectory(remote, table, complete));
                clusterLine = "cluster: node " + cluster.nodeIndex() + " of " + cluster.nodes() + " at "
                        + remote.address() + ", shards " + first + "-" + (first + config.shards() - 1) + " local";
                LOG.info("{}; waiting for the other nodes' shards ({} in all)", clusterLine, total);
                awaitShards(complete, shards, cluster.joinTimeout());
            }
            CommandPlanner planner = new CommandPlanner(total, config.clock(), Map.of(
                    "save", "", "appendonly", "yes", "appendfsync", config.fsync().flagName(), "databases", "1"));
            ShardTable table = shards;
            Duration timeout = remoteTimeout;
            server = TcpServer.bind(system, new InetSocketAddress(config.host(), config.port()),
                    new RespCodec(config.limits()), conn -> new KvConnection(conn, table, timeout, planner),
                    KvConnMsg.Net::new, tcpOptions());
        } catch (RuntimeException e) {
            if (directory != null) {
                system.stop(directory);
            }
            system.stop(journal);
            throw e;
        }
        LOG.info("kv server listening on {} with {} shard(s), fsync {}", server.address(), config.shards(),
                config.fsync().flagName());
        return new Running(server, system, journal, directory, journalClosed, replay, journalFile, local, clusterLine);
    }

    /** Waits until every shard of the cluster is known, logging progress every 10 s. */
    private static void awaitShards(CompletableFuture<Void> complete, ShardTable shards, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("the cluster's shards are not all known after " + timeout + ": "
                        + shards.known() + " of " + shards.size() + " (are the other nodes up, with the same --nodes,"
                        + " --shards and cookie?)");
            }
            try {
                complete.get(Math.min(left, TimeUnit.SECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
                return;
            } catch (TimeoutException e) {
                LOG.info("cluster: waiting for the other nodes: {} of {} shards known", shards.known(), shards.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cluster's shards", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
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
        if (config.cluster() != null && config.cluster().cookie().equals(KvCluster.DEMO_COOKIE)) {
            LOG.warn("cluster: no --cookie and no KABUKI_COOKIE: using the demo cookie, which anyone can read in the"
                    + " source; set a secret of your own on every node");
        }
        ActorSystem system;
        try {
            system = newSystem(config);
        } catch (RuntimeException e) { // the node's UDP port cannot be bound
            LOG.error("KvServer could not start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
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
        if (running.clusterLine() != null) {
            System.out.println(running.clusterLine());
        }
        System.out.println("listening on " + running.address().getHostString() + ":" + running.port());
        System.out.flush();
        system.whenTerminated().join();
    }
}
