package dev.kabuki.examples.net;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The command line of a network example server: {@code --host} (default {@code 127.0.0.1}),
 * {@code --port} (0 = any free port, the default) and any named options the server declares.
 * Values are given as {@code --name VALUE} or {@code --name=VALUE}; each option at most once.
 *
 * <pre>{@code
 * ServerArgs args = ServerArgs.parseOrExit("ChatServer", argv,
 *         ServerArgs.Option.ofLong("outbound-limit", 262_144, 16_384, 1L << 30, "bytes queued per client before it is disconnected"));
 * long limit = args.longValue("outbound-limit");
 * }</pre>
 *
 * <p>{@link #parse} throws {@link UsageException} and has no other effect, so it can be tested;
 * {@link #parseOrExit} is for {@code main}: a usage error prints the message and the usage on
 * stderr and exits with status 2, {@code --help} prints the usage on stdout and exits with 0.
 */
public final class ServerArgs {
    /** The default of {@code --host}: the loopback address only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final Option HOST = Option.ofString("host", DEFAULT_HOST, "address to listen on");
    private static final Option PORT = Option.ofLong("port", 0, 0, 65_535, "port to listen on; 0 = any free port");

    private final Map<String, String> values;

    private ServerArgs(Map<String, String> values) {
        this.values = values;
    }

    /**
     * An option {@code --name VALUE}, with the default used when it is not given and a check of
     * its value.
     *
     * @param name         the name without the leading dashes: letters, digits and '-'
     * @param defaultValue the value when the option is not given
     * @param description  one line for the usage text
     * @param check        returns {@code null} for a valid value, else why it is not
     */
    public record Option(String name, String defaultValue, String description, Function<String, String> check) {
        /** Checks the name and that the default itself passes the check. */
        public Option {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(defaultValue, "defaultValue");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(check, "check");
            if (!name.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("option names are lower-case letters, digits and '-', got '" + name + "'");
            }
            String problem = check.apply(defaultValue);
            if (problem != null) {
                throw new IllegalArgumentException("the default of --" + name + " is invalid: " + problem);
            }
        }

        /** An option whose value is any string. */
        public static Option ofString(String name, String defaultValue, String description) {
            return new Option(name, defaultValue, description, value -> null);
        }

        /** An option whose value is a whole number from {@code min} to {@code max}. */
        public static Option ofLong(String name, long defaultValue, long min, long max, String description) {
            if (min > max) {
                throw new IllegalArgumentException("--" + name + ": min " + min + " is above max " + max);
            }
            return new Option(name, Long.toString(defaultValue), description + " (" + min + ".." + max + ")", value -> {
                try {
                    long v = Long.parseLong(value);
                    return v < min || v > max ? "must be from " + min + " to " + max + ", got " + v : null;
                } catch (NumberFormatException e) {
                    return "must be a whole number, got '" + value + "'";
                }
            });
        }
    }

    /** The command line is wrong: an unknown option, a missing or invalid value, a stray argument. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args} against {@code --host}, {@code --port} and {@code extra}.
     *
     * @throws UsageException           the arguments do not fit; the message says which and why
     * @throws IllegalArgumentException {@code extra} redeclares an option, or declares host or port
     */
    public static ServerArgs parse(List<String> args, Option... extra) throws UsageException {
        Map<String, Option> declared = declare(extra);
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            String name = arg.substring(2, eq < 0 ? arg.length() : eq);
            Option option = declared.get(name);
            if (option == null) {
                throw new UsageException("unknown option --" + name);
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
            String problem = option.check().apply(value);
            if (problem != null) {
                throw new UsageException("--" + name + " " + problem);
            }
            if (given.put(name, value) != null) {
                throw new UsageException("--" + name + " is given twice");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Option o : declared.values()) {
            values.put(o.name(), given.getOrDefault(o.name(), o.defaultValue()));
        }
        return new ServerArgs(values);
    }

    /**
     * {@link #parse} for {@code main}: on a usage error prints {@code <program>: <message>} and
     * the usage to stderr and exits with status 2; on {@code --help} or {@code -h} prints the
     * usage to stdout and exits with status 0.
     */
    public static ServerArgs parseOrExit(String program, String[] args, Option... extra) {
        List<String> list = List.of(args);
        if (list.contains("--help") || list.contains("-h")) {
            System.out.print(usage(program, extra));
            System.out.flush();
            System.exit(0);
        }
        try {
            return parse(list, extra);
        } catch (UsageException e) {
            System.err.println(program + ": " + e.getMessage());
            System.err.print(usage(program, extra));
            System.err.flush();
            System.exit(2);
            throw new AssertionError("unreachable");
        }
    }

    /** The usage text: a synopsis, then each option with its description and default; ends in a line end. */
    public static String usage(String program, Option... extra) {
        Map<String, Option> declared = declare(extra);
        StringBuilder b = new StringBuilder("usage: ").append(program);
        for (Option o : declared.values()) {
            b.append(" [--").append(o.name()).append(' ').append(placeholder(o)).append(']');
        }
        b.append('\n');
        for (Option o : declared.values()) {
            b.append("  --").append(o.name()).append(' ').append(placeholder(o)).append("  ").append(o.description())
                    .append("; default ").append(o.defaultValue()).append('\n');
        }
        return b.toString();
    }

    private static String placeholder(Option o) {
        return o.name().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static Map<String, Option> declare(Option... extra) {
        Map<String, Option> declared = new LinkedHashMap<>();
        List<Option> all = new ArrayList<>(List.of(HOST, PORT));
        all.addAll(List.of(extra));
        for (Option o : all) {
            if (declared.put(o.name(), o) != null) {
                throw new IllegalArgumentException("option --" + o.name() + " is declared twice");
            }
        }
        return declared;
    }

    /** The value of {@code --host}. */
    public String host() {
        return values.get(HOST.name());
    }

    /** The value of {@code --port}. */
    public int port() {
        return (int) longValue(PORT.name());
    }

    /**
     * The value of a declared option (its default when not given).
     *
     * @throws IllegalArgumentException no option of that name was declared
     */
    public String value(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no option --" + name + " was declared");
        }
        return v;
    }

    /**
     * The value of a declared {@link Option#ofLong} option.
     *
     * @throws IllegalArgumentException no option of that name was declared
     * @throws NumberFormatException    the option is not a number option
     */
    public long longValue(String name) {
        return Long.parseLong(value(name));
    }

    @Override
    public String toString() {
        return "ServerArgs" + values;
    }
}
