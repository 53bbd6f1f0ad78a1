package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * What the RESP decoder makes of the client's bytes: a command, or the protocol error that ends
 * the connection. The decoder returns an error as a frame rather than throwing, so the handler
 * can answer it ({@code -ERR Protocol error: ...}) in its place among the replies, then close.
 */
public sealed interface RespRequest extends RespFrame {

    /**
     * One command: its name and arguments, binary-safe, as the client sent them (from a RESP
     * array of bulk strings or an inline line).
     *
     * @param args the name first, then the arguments; never empty
     */
    record Command(List<byte[]> args) implements RespRequest {
        /** Checks there is at least the name. */
        public Command {
            if (args.isEmpty()) {
                throw new IllegalArgumentException("a command has at least its name");
            }
        }

        /** The command's name, lower-cased (names are ASCII; other bytes pass through as Latin-1). */
        public String name() {
            return new String(args.get(0), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        }

        /** How many arguments, the name included (Redis's {@code argc}). */
        public int argc() {
            return args.size();
        }

        /** Argument {@code i} (0 is the name). */
        public byte[] arg(int i) {
            return args.get(i);
        }

        /** A command from strings, UTF-8 encoded (for tests and clients). */
        public static Command of(String... args) {
            byte[][] bytes = new byte[args.length][];
            for (int i = 0; i < args.length; i++) {
                bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
            }
            return new Command(List.of(bytes));
        }
    }

    /**
     * Bytes that are not valid RESP. Nothing after them on the connection is decoded.
     *
     * @param message what was wrong, in Redis's words ({@code invalid bulk length}, ...), without
     *                the {@code Protocol error: } prefix
     */
    record ProtocolError(String message) implements RespRequest {
    }
}
