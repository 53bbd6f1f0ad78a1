package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RESP decoder against the {@link dev.kabuki.net.Codec} contract, driven the way kabuki-net's
 * driver drives it: bytes arrive in chunks, unconsumed bytes are handed back at the start of the
 * buffer with the next chunk appended, and the decoder is called until it returns null.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RespDecoderTest {

    /** Feeds chunks to a decoder the way the I/O driver does, collecting every frame. */
    private static final class Driver {
        private final RespDecoder decoder;
        private ByteBuffer kept = ByteBuffer.allocate(0);
        final List<RespFrame> frames = new ArrayList<>();

        Driver(RespLimits limits) {
            this.decoder = new RespDecoder(limits);
        }

        Driver feed(byte[] chunk) {
            return feed(chunk, 0, chunk.length);
        }

        Driver feed(byte[] chunk, int from, int to) {
            ByteBuffer buf = ByteBuffer.allocate(kept.remaining() + (to - from));
            buf.put(kept).put(chunk, from, to - from).flip();
            RespFrame f;
            while ((f = decoder.decode(buf)) != null) {
                frames.add(f);
            }
            // the driver reuses its buffer: poison it, so a frame that kept a reference shows it
            ByteBuffer rest = buf.slice();
            kept = ByteBuffer.allocate(rest.remaining()).put(rest).flip();
            for (int i = 0; i < buf.capacity(); i++) {
                buf.put(i, (byte) '#');
            }
            return this;
        }

        int keptBytes() {
            return kept.remaining();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> args(RespFrame frame) {
        assertThat(frame).isInstanceOf(RespRequest.Command.class);
        List<String> out = new ArrayList<>();
        for (byte[] a : ((RespRequest.Command) frame).args()) {
            out.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    private static String protocolError(RespFrame frame) {
        assertThat(frame).isInstanceOf(RespRequest.ProtocolError.class);
        return ((RespRequest.ProtocolError) frame).message();
    }

    /** Several requests of every shape, and what they decode to. */
    private static final String PIPELINE = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n"
            + "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
            + "PING\r\n"
            + "*0\r\n"
            + "\r\n"
            + "set 'a b' \"c\\x00d\\n\"\n"
            + "*1\r\n$4\r\nQUIT\r\n";
    private static final List<List<String>> EXPECTED = List.of(
            List.of("SET", "key", "va\r\nl"), List.of("GET", ""), List.of("PING"), List.of("set", "a b", "c\0d\n"),
            List.of("QUIT"));

    @Test
    void manyRequestsInOneBufferAllDecode() {
        Driver d = new Driver(RespLimits.defaults()).feed(bytes(PIPELINE));
        assertThat(d.frames).hasSize(EXPECTED.size());
        for (int i = 0; i < EXPECTED.size(); i++) {
            assertThat(args(d.frames.get(i))).isEqualTo(EXPECTED.get(i));
        }
        assertThat(d.keptBytes()).isZero();
    }

    @Test
    void requestsSplitAtEveryByteBoundaryDecodeTheSame() {
        byte[] all = bytes(PIPELINE);
        for (int cut = 0; cut <= all.length; cut++) {
            Driver d = new Driver(RespLimits.defaults()).feed(all, 0, cut).feed(all, cut, all.length);
            assertThat(d.frames).as("cut at %d", cut).hasSize(EXPECTED.size());
            for (int i = 0; i < EXPECTED.size(); i++) {
                assertThat(args(d.frames.get(i))).as("cut at %d, request %d", cut, i).isEqualTo(EXPECTED.get(i));
            }
        }
    }

    @Test
    void requestsSentOneByteAtATimeDecodeTheSame() {
        byte[] all = bytes(PIPELINE);
        Driver d = new Driver(RespLimits.defaults());
        for (int i = 0; i < all.length; i++) {
            d.feed(all, i, i + 1);
        }
        assertThat(d.frames).hasSize(EXPECTED.size());
        for (int i = 0; i < EXPECTED.size(); i++) {
            assertThat(args(d.frames.get(i))).isEqualTo(EXPECTED.get(i));
        }
    }

    @Test
    void binaryBulkStringsKeepEveryByteValue() {
        byte[] all256 = new byte[256];
        for (int i = 0; i < 256; i++) {
            all256[i] = (byte) i;
        }
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(bytes("*2\r\n$4\r\nECHO\r\n$256\r\n"));
        req.writeBytes(all256);
        req.writeBytes(bytes("\r\n"));
        byte[] wire = req.toByteArray();
        for (int cut = 0; cut <= wire.length; cut += 7) {
            Driver d = new Driver(RespLimits.defaults()).feed(wire, 0, cut).feed(wire, cut, wire.length);
            assertThat(d.frames).hasSize(1);
            assertThat(((RespRequest.Command) d.frames.get(0)).arg(1)).isEqualTo(all256);
        }
    }

    @Test
    void aLargeBulkArrivingInChunksIsConsumedAsItComes() {
        int size = 1 << 20;
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) (i * 31);
        }
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + size + "\r\n"));
        req.writeBytes(value);
        req.writeBytes(bytes("\r\n"));
        byte[] wire = req.toByteArray();
        Driver d = new Driver(RespLimits.defaults());
        for (int from = 0; from < wire.length; from += 65536) {
            d.feed(wire, from, Math.min(wire.length, from + 65536));
            assertThat(d.keptBytes()).as("bytes the driver must keep").isLessThan(64);
        }
        assertThat(d.frames).hasSize(1);
        assertThat(((RespRequest.Command) d.frames.get(0)).arg(2)).isEqualTo(value);
    }

    @Test
    void malformedInputIsAProtocolErrorAndEverythingAfterIsDropped() {
        record Case(String input, String error) {
        }
        List<Case> cases = List.of(
                new Case("*x\r\n", "invalid multibulk length"),
                new Case("*1\r\n$x\r\n", "invalid bulk length"),
                new Case("*1\r\n$-5\r\n", "invalid bulk length"),
                new Case("*2\r\n$3\r\nGET\r\n:12\r\n", "expected '$', got ':'"),
                new Case("*1\r\n$4\r\nPINGxx\r\n", "expected CRLF after a bulk string of 4 bytes"),
                new Case("\"abc\r\n", "unbalanced quotes in request"),
                new Case("set \"a\"b c\r\n", "unbalanced quotes in request"),
                new Case("*99999999999999999999\r\n", "invalid multibulk length"));
        for (Case c : cases) {
            Driver d = new Driver(RespLimits.defaults()).feed(bytes("PING\r\n" + c.input() + "PING\r\n"));
            assertThat(d.frames).as(c.input()).hasSize(2);
            assertThat(args(d.frames.get(0))).isEqualTo(List.of("PING"));
            assertThat(protocolError(d.frames.get(1))).as(c.input()).isEqualTo(c.error());
            d.feed(bytes("PING\r\n*1\r\n$4\r\nPING\r\n"));
            assertThat(d.frames).as("nothing after the error is decoded").hasSize(2);
            assertThat(d.keptBytes()).isZero();
        }
    }

    @Test
    void aDeclaredBulkLengthAboveTheLimitIsAnErrorAtOnce() {
        Driver d = new Driver(RespLimits.defaults()).feed(bytes("*1\r\n$536870913\r\n"));
        assertThat(protocolError(d.frames.get(0))).isEqualTo("invalid bulk length");

        Driver small = new Driver(RespLimits.defaults().withMaxBulkLength(1024)).feed(bytes("*2\r\n$3\r\nGET\r\n$1025\r\n"));
        assertThat(protocolError(small.frames.get(0))).isEqualTo("invalid bulk length");
    }

    @Test
    void anArrayCountAboveTheLimitIsAnErrorAtOnce() {
        Driver d = new Driver(RespLimits.defaults().withMaxArrayLength(100)).feed(bytes("*101\r\n"));
        assertThat(protocolError(d.frames.get(0))).isEqualTo("invalid multibulk length");
    }

    @Test
    void hugeDeclaredLengthsAllocateNothingBeforeTheirBytesArrive() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // warm up the code paths so class loading does not count
        new Driver(RespLimits.defaults()).feed(bytes("*1048576\r\n$536870912\r\nabcdef"));

        long before = threads.getThreadAllocatedBytes(tid);
        Driver bulk = new Driver(RespLimits.defaults()).feed(bytes("*1\r\n$536870912\r\nabcdef"));
        Driver array = new Driver(RespLimits.defaults()).feed(bytes("*1048576\r\n$1\r\na\r\n$1\r\nb\r\n"));
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertThat(bulk.frames).isEmpty();
        assertThat(array.frames).isEmpty();
        assertThat(allocated).as("bytes allocated for a 512 MiB bulk and a 1M-element array declared").isLessThan(1 << 20);
    }

    @Test
    void overlongHeaderAndInlineLinesAreErrorsOnceTheLimitPasses() {
        String digits = "1".repeat(70_000);
        Driver header = new Driver(RespLimits.defaults()).feed(bytes("*" + digits));
        assertThat(protocolError(header.frames.get(0))).isEqualTo("too big mbulk count string");

        Driver bulkHeader = new Driver(RespLimits.defaults()).feed(bytes("*1\r\n$" + digits));
        assertThat(protocolError(bulkHeader.frames.get(0))).isEqualTo("too big bulk count string");

        Driver inline = new Driver(RespLimits.defaults());
        String line = "x".repeat(70_000);
        for (int i = 0; i < line.length(); i += 1000) {
            inline.feed(bytes(line.substring(i, i + 1000)));
        }
        assertThat(protocolError(inline.frames.get(0))).isEqualTo("too big inline request");
    }

    @Test
    void argumentsAddingUpPastTheRequestLimitAreAnError() {
        RespLimits limits = new RespLimits(100, 1000, 1024, 250);
        String arg = "$100\r\n" + "v".repeat(100) + "\r\n";
        Driver d = new Driver(limits).feed(bytes("*3\r\n" + arg + arg + arg));
        assertThat(protocolError(d.frames.get(0))).startsWith("request larger than 250 bytes");
    }

    @Test
    void inlineLinesSplitLikeRedis() {
        Driver d = new Driver(RespLimits.defaults()).feed(bytes(
                "  SET   k   v  \r\n" + "echo \"a\\tb\\\\c\\\"d\" 'it\\'s'\n" + "x\"quoted part\"\r\n" + "   \r\n"));
        assertThat(d.frames).hasSize(3);
        assertThat(args(d.frames.get(0))).isEqualTo(List.of("SET", "k", "v"));
        assertThat(args(d.frames.get(1))).isEqualTo(List.of("echo", "a\tb\\c\"d", "it's"));
        assertThat(args(d.frames.get(2))).isEqualTo(List.of("xquoted part"));
    }
}
