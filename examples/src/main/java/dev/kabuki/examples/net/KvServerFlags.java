package dev.kabuki.examples.net;

import dev.kabuki.remote.NodeAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of {@link KvServer}: {@code --name value} or {@code --name=value}.
 */
final class KvServerFlags {
    static final String USAGE = """
            usage: KvServer --data DIR [--host H] [--port P] [--fsync always|everysec] [--shards N]
                            [--node-port P --nodes N --node-index I [--node-host H] [--seed ADDR]... [--cookie C]]
              --data DIR     directory of the journal (kv.journal); created if missing. Required
              --host H       address to listen on. Default 127.0.0.1
              --port P       port to listen on, 0 for any free port. Default 0
              --fsync MODE   always: acknowledge a write once it is on disk; everysec: fsync once a
                             second. Default everysec
              --shards N     store actors, keys spread by hash. Default: one per core. In a cluster: per
                             node, the same on every node
            a cluster of nodes sharing the keys (each runs and journals its own shards):
              --node-port P  UDP port of this node's remote side (1-65535); turns cluster mode on
              --node-host H  address of this node's remote side. Default 127.0.0.1
              --seed ADDR    another node, kabuki://kv@HOST:PORT; repeat or separate with commas
              --nodes N      how many nodes the cluster has (1-64)
              --node-index I this node's place, 0 to N-1: it owns shards I*S to (I+1)*S-1
              --cookie C     shared secret, at least 16 characters. Default: $KABUKI_COOKIE, else a
                             demo cookie (with a warning)""";

    /** A command line that cannot be run; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private KvServerFlags() {
    }

    /**
     * The configuration the flags ask for.
     *
     * @throws UsageException an unknown flag, a missing value or {@code --data}, a bad number
     */
    static KvServer.Config parse(String[] args) throws UsageException {
        return parse(args, System.getenv());
    }

    /** {@link #parse(String[])} with {@code env} for {@code KABUKI_COOKIE}. */
    static KvServer.Config parse(String[] args, java.util.Map<String, String> env) throws UsageException {
        String nodeHost = null;
        Integer nodePort = null;
        List<String> seeds = new ArrayList<>();
        Integer nodes = null;
        Integer nodeIndex = null;
        String cookie = null;
        String host = "127.0.0.1";
        int port = 0;
        Path data = null;
        FsyncPolicy fsync = FsyncPolicy.EVERYSEC;
        int shards = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg;
                if (!isFlag(name)) {
                    throw new UsageException("unknown flag '" + arg + "'");
                }
                if (i + 1 >= args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--host" -> {
                    if (value.isBlank()) {
                        throw new UsageException("--host needs an address");
                    }
                    host = value;
                }
                case "--port" -> port = number(name, value, 0, 65535);
                case "--data" -> {
                    if (value.isBlank()) {
                        throw new UsageException("--data needs a directory");
                    }
                    data = Path.of(value);
                }
                case "--fsync" -> {
                    try {
                        fsync = FsyncPolicy.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--shards" -> shards = number(name, value, 1, 1024);
                case "--node-port" -> nodePort = number(name, value, 1, 65535);
                case "--node-host" -> {
                    if (value.isBlank()) {
                        throw new UsageException("--node-host needs an address");
                    }
                    nodeHost = value;
                }
                case "--seed" -> {
                    for (String seed : value.split(",")) {
                        seeds.add(seed(seed.strip()));
                    }
                }
                case "--nodes" -> nodes = number(name, value, 1, 64);
                case "--node-index" -> nodeIndex = number(name, value, 0, 63);
                case "--cookie" -> {
                    if (value.length() < 16) {
                        throw new UsageException("--cookie must have at least 16 characters, got " + value.length());
                    }
                    cookie = value;
                }
                default -> throw new UsageException("unknown flag '" + name + "'");
            }
        }
        if (data == null) {
            throw new UsageException("--data DIR is required");
        }
        KvServer.Config config = KvServer.Config.defaults(data).withHost(host).withPort(port).withFsync(fsync)
                .withShards(shards);
        if (nodePort == null) {
            if (nodeHost != null || !seeds.isEmpty() || nodes != null || nodeIndex != null || cookie != null) {
                throw new UsageException("--node-host, --seed, --nodes, --node-index and --cookie need --node-port");
            }
            return config;
        }
        if (nodes == null || nodeIndex == null) {
            throw new UsageException("a cluster node needs --nodes N and --node-index I");
        }
        if (nodeIndex >= nodes) {
            throw new UsageException("--node-index must be between 0 and " + (nodes - 1) + " (--nodes " + nodes
                    + "), got " + nodeIndex);
        }
        if (nodes > 1 && seeds.isEmpty() && nodeIndex > 0) {
            throw new UsageException("node " + nodeIndex + " of " + nodes + " needs --seed: the address of another node");
        }
        if (cookie == null) {
            String fromEnv = env.get("KABUKI_COOKIE");
            if (fromEnv != null && !fromEnv.isEmpty()) {
                if (fromEnv.length() < 16) {
                    throw new UsageException("KABUKI_COOKIE must have at least 16 characters, got " + fromEnv.length());
                }
                cookie = fromEnv;
            } else {
                cookie = KvCluster.DEMO_COOKIE;
            }
        }
        return config.withCluster(KvServer.Cluster.of(nodeHost == null ? "127.0.0.1" : nodeHost, nodePort, seeds,
                nodes, nodeIndex, cookie));
    }

    /** A seed address, checked: {@code kabuki://kv@HOST:PORT}. */
    private static String seed(String address) throws UsageException {
        NodeAddress node;
        try {
            node = NodeAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--seed: " + e.getMessage());
        }
        if (!node.system().equals(KvCluster.SYSTEM_NAME)) {
            throw new UsageException("--seed must name system '" + KvCluster.SYSTEM_NAME + "' (kabuki://"
                    + KvCluster.SYSTEM_NAME + "@HOST:PORT), got '" + address + "'");
        }
        return node.toString();
    }

    /** Whether the command line is {@code --help} or {@code -h}. */
    static boolean asksForHelp(String[] args) {
        return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
    }

    private static boolean isFlag(String name) {
        return switch (name) {
            case "--host", "--port", "--data", "--fsync", "--shards", "--node-port", "--node-host", "--seed", "--nodes",
                 "--node-index", "--cookie" -> true;
            default -> false;
        };
    }

    private static int number(String flag, String value, int min, int max) throws UsageException {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a number, got '" + value + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(flag + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }
}
