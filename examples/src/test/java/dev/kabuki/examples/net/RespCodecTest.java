package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespCodecTest {
    private final RespCodec codec = new RespCodec(RespLimits.defaults());

    private String encoded(RespFrame frame) {
        ByteBuffer b = codec.encode(frame);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void repliesEncodeAsRedisWritesThem() {
        assertThat(encoded(RespReply.OK)).isEqualTo("+OK\r\n");
        assertThat(encoded(RespReply.err("syntax error"))).isEqualTo("-ERR syntax error\r\n");
        assertThat(encoded(RespReply.integer(-42))).isEqualTo(":-42\r\n");
        assertThat(encoded(RespReply.integer(Long.MIN_VALUE))).isEqualTo(":-9223372036854775808\r\n");
        assertThat(encoded(RespReply.integer(Long.MAX_VALUE))).isEqualTo(":9223372036854775807\r\n");
        assertThat(encoded(RespReply.NULL_BULK)).isEqualTo("$-1\r\n");
        assertThat(encoded(RespReply.bulk(""))).isEqualTo("$0\r\n\r\n");
        assertThat(encoded(new RespReply.Array(List.of(RespReply.bulk("a"), RespReply.NULL_BULK, RespReply.integer(10)))))
                .isEqualTo("*3\r\n$1\r\na\r\n$-1\r\n:10\r\n");
        assertThat(encoded(RespRequest.Command.of("GET", "k"))).isEqualTo("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }

    @Test
    void sharedConstantRepliesAreIndependentBuffers() {
        ByteBuffer a = codec.encode(RespReply.OK);
        ByteBuffer b = codec.encode(RespReply.OK);
        a.get(new byte[a.remaining()]);
        assertThat(b.remaining()).isEqualTo(5);
    }

    @Test
    void errorTextFromClientInputCannotBreakTheLine() {
        assertThat(encoded(RespReply.err("unknown 'a\r\nb'"))).isEqualTo("-ERR unknown 'a  b'\r\n");
        assertThatThrownBy(() -> new RespReply.SimpleString("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLargeBulkIsCopiedWhole() {
        byte[] v = new byte[100_000];
        Arrays.fill(v, (byte) 7);
        ByteBuffer b = codec.encode(new RespReply.Bulk(v));
        assertThat(b.remaining()).isEqualTo(1 + 6 + 2 + 100_000 + 2);
    }
}
