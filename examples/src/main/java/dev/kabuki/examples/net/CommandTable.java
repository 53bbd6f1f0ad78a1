package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The commands the server knows, with their arity and key positions as Redis's
 * {@code COMMAND INFO} gives them, and the replies of {@code COMMAND} itself. Immutable.
 */
final class CommandTable {
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


    private CommandTable() {
    }

    /** Whether {@code name} (lower case) is a command this server knows. */
    static boolean knows(String name) {
        return SPECS.containsKey(name);
    }

    /** Whether {@code argc} arguments (the name included) suit command {@code name}'s arity. */
    static boolean arityAllows(String name, int argc) {
        int arity = SPECS.get(name).arity();
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /** The reply to {@code COMMAND [COUNT | DOCS | INFO name... | LIST]}. */
    static RespReply commandReply(RespRequest.Command c) {
        if (c.argc() == 1) {
            List<RespReply> all = new ArrayList<>();
            for (Spec s : SPECS.values()) {
                all.add(s.info());
            }
            return new RespReply.Array(all);
        }
        String sub = text(c.arg(1)).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "count" -> {
                return c.argc() == 2 ? RespReply.integer(SPECS.size()) : CommandPlanner.wrongArity("command|count");
            }
            case "docs" -> {
                return RespReply.EMPTY_ARRAY; // no documentation: clients fall back to their own
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
                return new RespReply.Array(infos);
            }
            case "list" -> {
                List<RespReply> names = new ArrayList<>();
                for (String n : SPECS.keySet()) {
                    names.add(RespReply.bulk(n));
                }
                return new RespReply.Array(names);
            }
            default -> {
                return CommandPlanner.unknownSubcommand(text(c.arg(1)), "command");
            }
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
