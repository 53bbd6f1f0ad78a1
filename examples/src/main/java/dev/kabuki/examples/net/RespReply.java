package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/** A RESP2 reply. {@link RespCodec} encodes it. */
public sealed interface RespReply extends RespFrame {

    /** {@code +OK}. */
    SimpleString OK = new SimpleString("OK");
    /** {@code $-1}: the null bulk string (a missing key). */
    Bulk NULL_BULK = new Bulk(null);
    /** {@code :0}. */
    Int ZERO = new Int(0);
    /** {@code :1}. */
    Int ONE = new Int(1);
    /** {@code *0}. */
    Array EMPTY_ARRAY = new Array(List.of());

    /**
     * {@code +text}: a status line.
     *
     * @param text no CR or LF
     */
    record SimpleString(String text) implements RespReply {
        /** Rejects a line break, which would end the reply early. */
        public SimpleString {
            checkLine(text);
        }
    }

    /**
     * {@code -text}: an error; by convention its first word is the kind ({@code ERR},
     * {@code WRONGTYPE}).
     *
     * @param text no CR or LF
     */
    record Error(String text) implements RespReply {
        /** Rejects a line break, which would end the reply early. */
        public Error {
            checkLine(text);
        }
    }

    /**
     * {@code :n}.
     *
     * @param value the integer
     */
    record Int(long value) implements RespReply {
    }

    /**
     * {@code $len bytes}, or the null bulk string.
     *
     * @param value the bytes, binary-safe; {@code null} for the null bulk string
     */
    record Bulk(byte[] value) implements RespReply {
    }

    /**
     * {@code *n} followed by n replies.
     *
     * @param elements the replies, in order
     */
    record Array(List<? extends RespReply> elements) implements RespReply {
        /** Checks the list is given. */
        public Array {
            Objects.requireNonNull(elements, "elements");
        }
    }

    /**
     * An error reply {@code -ERR message}; CR and LF in the message (which may quote the client's
     * input) become spaces, as Redis does.
     */
    static Error err(String message) {
        return new Error("ERR " + message.replace('\r', ' ').replace('\n', ' '));
    }

    /** A bulk string of {@code text} in UTF-8. */
    static Bulk bulk(String text) {
        return new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** An integer reply, shared for 0 and 1. */
    static Int integer(long value) {
        return value == 0 ? ZERO : value == 1 ? ONE : new Int(value);
    }

    private static void checkLine(String text) {
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a simple string or error cannot hold CR or LF: " + text);
        }
    }
}
