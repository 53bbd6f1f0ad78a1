package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Turns a command into a {@link Plan}: checks its name, arity and options (with Redis's error
 * replies, word for word), answers the commands that need no data, and splits the rest over the
 * shards that own their keys. Immutable and shared by every connection of a server; the only
 * state it touches is the calling connection's {@link ClientState}.
 */
final class CommandPlanner {

    /**
     * A command as {@code COMMAND INFO} describes it.
     *
     * @param arity    Redis's convention: n means exactly n arguments (the name included), -n at least n
     * @param firstKey position of the first key (0: none), lastKey of the last (-1: the last argument), step between keys
     */
    private record Spec(String name, int arity, List<String> flags, int firstKey, int lastKey, int step) {
        RespReply info() {
            List<RespReply> flagReplies = new ArrayList<>();
            for (String f : flags) {
                flagReplies.add(new RespReply.SimpleString(f));
            }
            return new RespReply.Array(List.of(RespReply.bulk(name), RespReply.integer(arity),
                    new RespReply.Array(flagReplies), RespReply.integer(firstKey), RespReply.integer(lastKey),
                    RespReply.integer(step)));
        }
    }

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        spec("ping", -1, List.of("fast"), 0, 0, 0);
        spec("echo", 2, List.of("fast"), 0, 0, 0);
        spec("get", 2, List.of("readonly", "fast"), 1, 1, 1);
        spec("set", -3, List.of("write", "denyoom"), 1, 1, 1);
        spec("del", -2, List.of("write"), 1, -1, 1);
        spec("exists", -2, List.of("readonly", "fast"), 1, -1, 1);
        spec("incr", 2, List.of("write", "denyoom", "fast"), 1, 1, 1);
        spec("decr", 2, List.of("write", "denyoom", "fast"), 1, 1, 1);
        spec("incrby", 3, List.of("write", "denyoom", "fast"), 1, 1, 1);
        spec("decrby", 3, List.of("write", "denyoom", "fast"), 1, 1, 1);
        spec("ttl", 2, List.of("readonly", "fast"), 1, 1, 1);
        spec("pttl", 2, List.of("readonly", "fast"), 1, 1, 1);
        spec("strlen", 2, List.of("readonly", "fast"), 1, 1, 1);
        spec("mget", -2, List.of("readonly", "fast"), 1, -1, 1);
        spec("mset", -3, List.of("write", "denyoom"), 1, -1, 2);
        spec("dbsize", 1, List.of("readonly", "fast"), 0, 0, 0);
        spec("flushall", -1, List.of("write"), 0, 0, 0);
        spec("command", -1, List.of("loading", "stale"), 0, 0, 0);
        spec("client", -2, List.of("noscript", "loading", "stale"), 0, 0, 0);
        spec("config", -2, List.of("admin", "noscript", "loading", "stale"), 0, 0, 0);
        spec("select", 2, List.of("loading", "stale", "fast"), 0, 0, 0);
        spec("quit", -1, List.of("noscript", "loading", "stale", "fast"), 0, 0, 0);
    }

    private static void spec(String name, int arity, List<String> flags, int firstKey, int lastKey, int step) {
        SPECS.put(name, new Spec(name, arity, flags, firstKey, lastKey, step));
    }

    private static final RespReply PONG = new RespReply.SimpleString("PONG");
    private static final RespReply NOT_AN_INTEGER = RespReply.err("value is not an integer or out of range");
    private static final RespReply SYNTAX_ERROR = RespReply.err("syntax error");

    private final int shardCount;
    private final LongSupplier clock;
    private final Map<String, String> config;

    /**
     * @param shardCount how many shards own the keys
     * @param clock      epoch milliseconds, for SET's relative deadlines
     * @param config     what CONFIG GET reports (parameter name to value)
     */
    CommandPlanner(int shardCount, LongSupplier clock, Map<String, String> config) {
        this.shardCount = shardCount;
        this.clock = clock;
        this.config = Map.copyOf(config);
    }

    Plan plan(RespRequest.Command c, ClientState client) {
        String name = c.name();
        Spec spec = SPECS.get(name);
        if (spec == null) {
            return reply(unknownCommand(c));
        }
        int argc = c.argc();
        if (spec.arity() > 0 ? argc != spec.arity() : argc < -spec.arity()) {
            return reply(wrongArity(name));
        }
        return switch (name) {
            case "ping" -> argc == 1 ? reply(PONG) : argc == 2 ? reply(new RespReply.Bulk(c.arg(1))) : reply(wrongArity(name));
            case "echo" -> reply(new RespReply.Bulk(c.arg(1)));
            case "get" -> single(new ShardOp.Get(key(c, 1)));
            case "strlen" -> single(new ShardOp.Strlen(key(c, 1)));
            case "ttl", "pttl" -> single(new ShardOp.Ttl(key(c, 1), name.equals("pttl")));
            case "set" -> set(c);
            case "incr" -> single(new ShardOp.IncrBy(key(c, 1), 1));
            case "decr" -> single(new ShardOp.IncrBy(key(c, 1), -1));
            case "incrby", "decrby" -> incrBy(c, name.equals("decrby"));
            case "del" -> perShard(c, ShardOp.Del::new, ReplyGather.SumOfIntegers::new);
            case "exists" -> perShard(c, ShardOp.Exists::new, ReplyGather.SumOfIntegers::new);
            case "mget" -> mget(c);
            case "mset" -> mset(c);
            case "dbsize" -> everyShard(new ShardOp.DbSize(), new ReplyGather.SumOfIntegers(shardCount));
            case "flushall" -> flushAll(c);
            case "command" -> command(c);
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

    private static RespReply unknownSubcommand(String sub, String command) {
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
        return single(new ShardOp.Set(key(c, 1), c.arg(2), expireAt, keepTtl, condition, get));
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
        return single(new ShardOp.IncrBy(key(c, 1), delta));
    }

    private Plan mget(RespRequest.Command c) {
        int keys = c.argc() - 1;
        BinaryKey[] all = new BinaryKey[keys];
        int[] shardOf = new int[keys];
        int[] counts = new int[shardCount];
        for (int i = 0; i < keys; i++) {
            all[i] = key(c, i + 1);
            shardOf[i] = all[i].shard(shardCount);
            counts[shardOf[i]]++;
        }
        int parts = 0;
        for (int n : counts) {
            parts += n > 0 ? 1 : 0;
        }
        if (parts == 1) {
            return new Plan.Single(shardOf[0], new ShardOp.MGet(List.of(all)));
        }
        int[] partOfShard = new int[shardCount];
        int[] shards = new int[parts];
        int[][] positions = new int[parts][];
        List<List<BinaryKey>> keyLists = new ArrayList<>(parts);
        for (int s = 0, p = 0; s < shardCount; s++) {
            if (counts[s] > 0) {
                partOfShard[s] = p;
                shards[p] = s;
                positions[p] = new int[counts[s]];
                keyLists.add(new ArrayList<>(counts[s]));
                p++;
            }
        }
        int[] filled = new int[parts];
        for (int i = 0; i < keys; i++) {
            int p = partOfShard[shardOf[i]];
            positions[p][filled[p]++] = i;
            keyLists.get(p).add(all[i]);
        }
        ShardOp[] ops = new ShardOp[parts];
        for (int p = 0; p < parts; p++) {
            ops[p] = new ShardOp.MGet(keyLists.get(p));
        }
        return new Plan.Scatter(shards, ops, new ReplyGather.MergeArrays(keys, positions));
    }

    private Plan mset(RespRequest.Command c) {
        if ((c.argc() - 1) % 2 != 0) {
            return reply(wrongArity("mset"));
        }
        List<List<BinaryKey>> keys = new ArrayList<>(shardCount);
        List<List<byte[]>> values = new ArrayList<>(shardCount);
        for (int s = 0; s < shardCount; s++) {
            keys.add(null);
            values.add(null);
        }
        for (int i = 1; i < c.argc(); i += 2) {
            BinaryKey k = key(c, i);
            int s = k.shard(shardCount);
            if (keys.get(s) == null) {
                keys.set(s, new ArrayList<>());
                values.set(s, new ArrayList<>());
            }
            keys.get(s).add(k);
            values.get(s).add(c.arg(i + 1));
        }
        return split(keys, (s, k) -> new ShardOp.MSet(k, values.get(s)), ReplyGather.AllOk::new);
    }

    /** DEL and EXISTS: every argument is a key; one op per shard with keys. */
    private Plan perShard(RespRequest.Command c, Function<List<BinaryKey>, ShardOp> op,
                          IntFunction<ReplyGather> gather) {
        List<List<BinaryKey>> keys = new ArrayList<>(shardCount);
        for (int s = 0; s < shardCount; s++) {
            keys.add(null);
        }
        for (int i = 1; i < c.argc(); i++) {
            BinaryKey k = key(c, i);
            int s = k.shard(shardCount);
            if (keys.get(s) == null) {
                keys.set(s, new ArrayList<>());
            }
            keys.get(s).add(k);
        }
        return split(keys, (s, k) -> op.apply(k), gather);
    }

    private interface OpOfShard {
        ShardOp make(int shard, List<BinaryKey> keys);
    }

    /** One op per shard with keys: a single plan if only one shard has any, else a scatter. */
    private static Plan split(List<List<BinaryKey>> keysByShard, OpOfShard op,
                              IntFunction<ReplyGather> gather) {
        int parts = 0;
        int only = -1;
        for (int s = 0; s < keysByShard.size(); s++) {
            if (keysByShard.get(s) != null) {
                parts++;
                only = s;
            }
        }
        if (parts == 1) {
            return new Plan.Single(only, op.make(only, keysByShard.get(only)));
        }
        int[] shards = new int[parts];
        ShardOp[] ops = new ShardOp[parts];
        for (int s = 0, p = 0; s < keysByShard.size(); s++) {
            if (keysByShard.get(s) != null) {
                shards[p] = s;
                ops[p] = op.make(s, keysByShard.get(s));
                p++;
            }
        }
        return new Plan.Scatter(shards, ops, gather.apply(parts));
    }

    private Plan everyShard(ShardOp op, ReplyGather gather) {
        if (shardCount == 1) {
            return new Plan.Single(0, op);
        }
        int[] shards = new int[shardCount];
        ShardOp[] ops = new ShardOp[shardCount];
        for (int s = 0; s < shardCount; s++) {
            shards[s] = s;
            ops[s] = op;
        }
        return new Plan.Scatter(shards, ops, gather);
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
        return everyShard(new ShardOp.FlushAll(), new ReplyGather.AllOk(shardCount));
    }

    // ------------------------------------------------------------------ connection and server commands

    private Plan command(RespRequest.Command c) {
        if (c.argc() == 1) {
            List<RespReply> all = new ArrayList<>();
            for (Spec s : SPECS.values()) {
                all.add(s.info());
            }
            return reply(new RespReply.Array(all));
        }
        String sub = text(c.arg(1)).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "count" -> {
                return c.argc() == 2 ? reply(RespReply.integer(SPECS.size())) : reply(wrongArity("command|count"));
            }
            case "docs" -> {
                return reply(RespReply.EMPTY_ARRAY); // no documentation: clients fall back to their own
            }
            case "info" -> {
                List<RespReply> infos = new ArrayList<>();
                if (c.argc() == 2) {
                    for (Spec s : SPECS.values()) {
                        infos.add(s.info());
                    }
                }
                for (int i = 2; i < c.argc(); i++) {
                    Spec s = SPECS.get(text(c.arg(i)).toLowerCase(Locale.ROOT));
                    infos.add(s == null ? RespReply.NULL_BULK : s.info());
                }
                return reply(new RespReply.Array(infos));
            }
            case "list" -> {
                List<RespReply> names = new ArrayList<>();
                for (String n : SPECS.keySet()) {
                    names.add(RespReply.bulk(n));
                }
                return reply(new RespReply.Array(names));
            }
            default -> {
                return reply(unknownSubcommand(text(c.arg(1)), "command"));
            }
        }
    }

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

    private Plan single(ShardOp op) {
        BinaryKey k = switch (op) {
            case ShardOp.Get g -> g.key();
            case ShardOp.Strlen s -> s.key();
            case ShardOp.Ttl t -> t.key();
            case ShardOp.Set s -> s.key();
            case ShardOp.IncrBy i -> i.key();
            default -> throw new IllegalArgumentException("not a single-key op: " + op);
        };
        return new Plan.Single(k.shard(shardCount), op);
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
