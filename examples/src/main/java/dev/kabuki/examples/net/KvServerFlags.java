package dev.kabuki.examples.net;

import java.nio.file.Path;

/**
 * The command line of {@link KvServer}: {@code --name value} or {@code --name=value}.
 */
final class KvServerFlags {
    static final String USAGE = """
            usage: KvServer --data DIR [--host H] [--port P] [--fsync always|everysec] [--shards N]
              --data DIR     directory of the journal (kv.journal); created if missing. Required
              --host H       address to listen on. Default 127.0.0.1
              --port P       port to listen on, 0 for any free port. Default 0
              --fsync MODE   always: acknowledge a write once it is on disk; everysec: fsync once a
                             second. Default everysec
              --shards N     store actors, keys spread by hash. Default: one per core""";

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
                default -> throw new UsageException("unknown flag '" + name + "'");
            }
        }
        if (data == null) {
            throw new UsageException("--data DIR is required");
        }
        return KvServer.Config.defaults(data).withHost(host).withPort(port).withFsync(fsync).withShards(shards);
    }

    /** Whether the command line is {@code --help} or {@code -h}. */
    static boolean asksForHelp(String[] args) {
        return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
    }

    private static boolean isFlag(String name) {
        return switch (name) {
            case "--host", "--port", "--data", "--fsync", "--shards" -> true;
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
