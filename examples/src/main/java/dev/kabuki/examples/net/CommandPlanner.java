package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Turns a command into a {@link Plan}: checks its name and arity ({@link CommandTable}) and its
 * options, with Redis's error replies word for word; answers the commands that need no data
 * (PING, ECHO, COMMAND, CLIENT, CONFIG GET, SELECT, QUIT); and hands the rest to the
 * {@link ShardRouter}. Immutable and shared by every connection of a server; the only state it
 * touches is the calling connection's {@link ClientState}.
 */
final class CommandPlanner {

    private static final RespReply PONG = new RespReply.SimpleString("PONG");
    private static final RespReply NOT_AN_INTEGER = RespReply.err("value is not an integer or out of range");
    private static final RespReply SYNTAX_ERROR = RespReply.err("syntax error");

    private final ShardRouter router;
    private final LongSupplier clock;
    private final Map<String, String> config;

    /**
     * @param shardCount how many shards own the keys
     * @param clock      epoch milliseconds, for SET's relative deadlines
     * @param config     what CONFIG GET reports (parameter name to value)
     */
    CommandPlanner(int shardCount, LongSupplier clock, Map<String, String> config) {
        this.router = new ShardRouter(shardCount);
        this.clock = clock;
        this.config = Map.copyOf(config);
    }

    Plan plan(RespRequest.Command c, ClientState client) {
        String name = c.name();
        if (!CommandTable.knows(name)) {
            return reply(unknownCommand(c));
        }
        int argc = c.argc();
        if (!CommandTable.arityAllows(name, argc)) {
            return reply(wrongArity(name));
        }
        return switch (name) {
            case "ping" -> argc == 1 ? reply(PONG) : argc == 2 ? reply(new RespReply.Bulk(c.arg(1))) : reply(wrongArity(name));
            case "echo" -> reply(new RespReply.Bulk(c.arg(1)));
            case "get" -> onKey(c, new ShardOp.Get(key(c, 1)));
            case "strlen" -> onKey(c, new ShardOp.Strlen(key(c, 1)));
            case "ttl", "pttl" -> onKey(c, new ShardOp.Ttl(key(c, 1), name.equals("pttl")));
            case "set" -> set(c);
            case "incr" -> onKey(c, new ShardOp.IncrBy(key(c, 1), 1));
            case "decr" -> onKey(c, new ShardOp.IncrBy(key(c, 1), -1));
            case "incrby", "decrby" -> incrBy(c, name.equals("decrby"));
            case "del" -> router.byShard(keys(c, 1), ShardOp.Del::new, ReplyGather.SumOfIntegers::new);
            case "exists" -> router.byShard(keys(c, 1), ShardOp.Exists::new, ReplyGather.SumOfIntegers::new);
            case "mget" -> router.mget(keys(c, 1));
            case "mset" -> mset(c);
            case "dbsize" -> router.everyShard(new ShardOp.DbSize(), ReplyGather.SumOfIntegers::new);
            case "flushall" -> flushAll(c);
            case "command" -> reply(CommandTable.commandReply(c));
            case "client" -> client(c, client);
            case "config" -> config(c);
            case "select" -> select(c);
            case "quit" -> new Plan.ReplyAndClose(RespReply.OK);
            default -> throw new IllegalStateException("no plan for the known command " + name);
        };
    }

    // ------------------------------------------------------------------ errors, in Redis's words

    static RespReply unknownCommand(RespRequest.Command c) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < c.argc() && args.length() < 128; i++) {
            String arg = text(c.arg(i));
            args.append('\'').append(arg, 0, Math.min(arg.length(), 128 - args.length())).append("' ");
        }
        String name = text(c.arg(0));
        return RespReply.err("unknown command '" + name.substring(0, Math.min(name.length(), 128))
                + "', with args beginning with: " + args);
    }

    static RespReply wrongArity(String fullName) {
        return RespReply.err("wrong number of arguments for '" + fullName + "' command");
    }

    static RespReply unknownSubcommand(String sub, String command) {
        return RespReply.err("unknown subcommand '" + sub.substring(0, Math.min(sub.length(), 128)) + "'. Try "
                + command.toUpperCase(Locale.ROOT) + " HELP.");
    }

    // ------------------------------------------------------------------ data commands

    private Plan set(RespRequest.Command c) {
        boolean nx = false, xx = false, get = false, keepTtl = false;
        String expiryKind = null; // ex, px, exat, pxat
        byte[] expiryArg = null;
        for (int j = 3; j < c.argc(); j++) {
            String opt = text(c.arg(j)).toLowerCase(Locale.ROOT);
            boolean hasNext = j + 1 < c.argc();
            switch (opt) {
                case "nx" -> {
                    if (xx) {
                        return reply(SYNTAX_ERROR);
                    }
                    nx = true;
                }
                case "xx" -> {
                    if (nx) {
                        return reply(SYNTAX_ERROR);
                    }
                    xx = true;
                }
                case "get" -> get = true;
                case "keepttl" -> {
                    if (expiryKind != null) {
                        return reply(SYNTAX_ERROR);
                    }
                    keepTtl = true;
                }
                case "ex", "px", "exat", "pxat" -> {
                    if (keepTtl || !hasNext || (expiryKind != null && !expiryKind.equals(opt))) {
                        return reply(SYNTAX_ERROR);
                    }
                    expiryKind = opt;
                    expiryArg = c.arg(++j);
                }
                default -> {
                    return reply(SYNTAX_ERROR);
                }
            }
        }
        long expireAt = Keyspace.NEVER;
        if (expiryKind != null) {
            OptionalLong n = DecimalLong.parse(expiryArg);
            if (n.isEmpty()) {
                return reply(NOT_AN_INTEGER);
            }
            long t = n.getAsLong();
            boolean seconds = expiryKind.equals("ex") || expiryKind.equals("exat");
            if (t <= 0 || (seconds && t > Long.MAX_VALUE / 1000)) {
                return reply(invalidExpire());
            }
            long millis = seconds ? t * 1000 : t;
            if (expiryKind.equals("ex") || expiryKind.equals("px")) {
                long now = clock.getAsLong();
                if (millis > Long.MAX_VALUE - now) {
                    return reply(invalidExpire());
                }
                millis += now;
            }
            expireAt = millis;
        }
        ShardOp.Condition condition = nx ? ShardOp.Condition.IF_MISSING
                : xx ? ShardOp.Condition.IF_EXISTS : ShardOp.Condition.ALWAYS;
        return onKey(c, new ShardOp.Set(key(c, 1), c.arg(2), expireAt, keepTtl, condition, get));
    }

    private static RespReply invalidExpire() {
        return RespReply.err("invalid expire time in 'set' command");
    }

    private Plan incrBy(RespRequest.Command c, boolean decrement) {
        OptionalLong n = DecimalLong.parse(c.arg(2));
        if (n.isEmpty()) {
            return reply(NOT_AN_INTEGER);
        }
        long delta = n.getAsLong();
        if (decrement) {
            if (delta == Long.MIN_VALUE) {
                return reply(RespReply.err("decrement would overflow"));
            }
            delta = -delta;
        }
        return onKey(c, new ShardOp.IncrBy(key(c, 1), delta));
    }

    private Plan mset(RespRequest.Command c) {
        if ((c.argc() - 1) % 2 != 0) {
            return reply(wrongArity("mset"));
        }
        int pairs = (c.argc() - 1) / 2;
        BinaryKey[] keys = new BinaryKey[pairs];
        byte[][] values = new byte[pairs][];
        for (int i = 0; i < pairs; i++) {
            keys[i] = key(c, 1 + 2 * i);
            values[i] = c.arg(2 + 2 * i);
        }
        return router.pairsByShard(keys, values);
    }

    /** Arguments {@code from} to the end, as keys. */
    private static BinaryKey[] keys(RespRequest.Command c, int from) {
        BinaryKey[] keys = new BinaryKey[c.argc() - from];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(c, from + i);
        }
        return keys;
    }

    private Plan flushAll(RespRequest.Command c) {
        if (c.argc() > 2) {
            return reply(SYNTAX_ERROR);
        }
        if (c.argc() == 2) {
            String mode = text(c.arg(1)).toLowerCase(Locale.ROOT);
            if (!mode.equals("sync") && !mode.equals("async")) {
                return reply(SYNTAX_ERROR);
            }
        }
        return router.everyShard(new ShardOp.FlushAll(), ReplyGather.AllOk::new);
    }

    // ------------------------------------------------------------------ connection and server commands

    private Plan client(RespRequest.Command c, ClientState client) {
        String sub = text(c.arg(1)).toLowerCase(Locale.ROOT);
        return switch (sub) {
            case "setname" -> {
                if (c.argc() != 3) {
                    yield reply(wrongArity("client|setname"));
                }
                for (byte b : c.arg(2)) {
                    if (b <= ' ' || b > '~') {
                        yield reply(RespReply.err("Client names cannot contain spaces, newlines or special characters."));
                    }
                }
                client.name(c.arg(2));
                yield reply(RespReply.OK);
            }
            case "getname" -> c.argc() != 2 ? reply(wrongArity("client|getname")) : reply(new RespReply.Bulk(client.name()));
            case "id" -> c.argc() != 2 ? reply(wrongArity("client|id")) : reply(RespReply.integer(client.id()));
            case "setinfo" -> c.argc() != 4 ? reply(wrongArity("client|setinfo")) : reply(RespReply.OK);
            default -> reply(unknownSubcommand(text(c.arg(1)), "client"));
        };
    }

    private Plan config(RespRequest.Command c) {
        String sub = text(c.arg(1)).toLowerCase(Locale.ROOT);
        if (!sub.equals("get")) {
            return reply(unknownSubcommand(text(c.arg(1)), "config"));
        }
        if (c.argc() < 3) {
            return reply(wrongArity("config|get"));
        }
        List<RespReply> pairs = new ArrayList<>();
        for (Map.Entry<String, String> e : config.entrySet()) {
            for (int i = 2; i < c.argc(); i++) {
                String pattern = text(c.arg(i)).toLowerCase(Locale.ROOT);
                if (pattern.equals("*") || pattern.equals(e.getKey())) {
                    pairs.add(RespReply.bulk(e.getKey()));
                    pairs.add(RespReply.bulk(e.getValue()));
                    break;
                }
            }
        }
        return reply(new RespReply.Array(pairs));
    }

    private static Plan select(RespRequest.Command c) {
        OptionalLong db = DecimalLong.parse(c.arg(1));
        if (db.isEmpty()) {
            return reply(NOT_AN_INTEGER);
        }
        return reply(db.getAsLong() == 0 ? RespReply.OK : RespReply.err("DB index is out of range"));
    }

    // ------------------------------------------------------------------ helpers

    /** A single-key op on the shard of argument 1. */
    private Plan onKey(RespRequest.Command c, ShardOp op) {
        return router.one(new BinaryKey(c.arg(1)), op);
    }

    private static Plan reply(RespReply reply) {
        return new Plan.Reply(reply);
    }

    private static BinaryKey key(RespRequest.Command c, int i) {
        return new BinaryKey(c.arg(i));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
