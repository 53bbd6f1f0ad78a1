package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.agrona.ExpandableArrayBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The remote module's two {@link MessageSerializer}s on one thread: {@link #encode} writes a
 * message into a reused buffer; {@link #roundTrip} writes it and reads it back (decode =
 * roundTrip - encode). Messages: {@code small}, an {@code Increment(counter, amount, replyTo)}
 * with a ref (about 100 bytes on the wire), and {@code large}, a {@code Readings} of 20 records
 * (about 1 KiB). The ref codec writes a full {@code kabuki://} ref and resolves it with one map
 * look-up, as a resolver cache hit would. Setup prints the bytes each side writes.
 *
 * <p>In package {@code dev.kabuki.remote} because the serializers and the allow-list are
 * package-private; the benchmarks jar runs on the class path. Run with {@code -prof gc} for
 * bytes allocated per operation, e.g.
 * {@code java -jar benchmarks/target/benchmarks.jar RemoteSerializersBench -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class RemoteSerializersBench {

    /** The benchmark's messages. */
    public sealed interface CounterMsg permits Increment, Readings {}

    /** About 100 bytes on the wire. */
    public record Increment(String counter, long amount, ActorRef<Reply> replyTo) implements CounterMsg {}

    /** A reply type, only named by the ref's type. */
    public record Reply(long value) {}

    /** About 1 KiB on the wire: 20 readings. */
    public record Readings(String source, List<Reading> readings) implements CounterMsg {}

    /** One reading. */
    public record Reading(String sensor, long timestamp, double value, Unit unit) {}

    /** A reading's unit. */
    public enum Unit { CELSIUS, PASCAL, PERCENT }

    @Param({"fory", "jackson-cbor"})
    public String impl;

    @Param({"small", "large"})
    public String message;

    private MessageSerializer serializer;
    private Object value;
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);

    @Setup
    public void setUp() {
        AllowedTypes allowed = AllowedTypes.of(java.util.Set.of(CounterMsg.class, Reading.class, Unit.class));
        BenchRef client = new BenchRef("/user/counter-client-7");
        RefCodec refs = new CachingRefCodec(client);
        serializer = switch (impl) {
            case "fory" -> MessageSerializers.fory(allowed, refs);
            case "jackson-cbor" -> MessageSerializers.jacksonCbor(allowed, refs);
            default -> throw new IllegalArgumentException("impl " + impl);
        };
        value = switch (message) {
            case "small" -> new Increment("page-views/eu-west", 42, client);
            case "large" -> readings();
            default -> throw new IllegalArgumentException("message " + message);
        };
        int length = serializer.write(value, buffer, 0);
        Object back = serializer.read(buffer, 0, length);
        if (!back.toString().equals(value.toString())) {
            throw new IllegalStateException(impl + " changed the message: " + back);
        }
        System.out.println("bytes " + impl + " " + message + " = " + length);
    }

    private static Readings readings() {
        List<Reading> list = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            list.add(new Reading("sensor-" + i, 1_764_500_000_000L + i * 1000L, 20.5 + i / 8.0, Unit.values()[i % 3]));
        }
        return new Readings("building-3/floor-2", list);
    }

    @Benchmark
    public int encode() {
        return serializer.write(value, buffer, 0);
    }

    @Benchmark
    public Object roundTrip() {
        int length = serializer.write(value, buffer, 0);
        return serializer.read(buffer, 0, length);
    }

    /** Writes the remote layer's ref form; resolves with one look-up, like a warm resolver cache. */
    static final class CachingRefCodec implements RefCodec {
        private static final String NODE = "kabuki://bench@10.0.0.2:25520";
        private final Map<String, ActorRef<?>> resolved = new ConcurrentHashMap<>();

        CachingRefCodec(BenchRef ref) {
            resolved.put(toWire(ref), ref);
        }

        @Override
        public String toWire(ActorRef<?> ref) {
            return NODE + ref.path() + "#1234567";
        }

        @Override
        public ActorRef<?> fromWire(String wire) {
            ActorRef<?> ref = resolved.get(wire);
            if (ref == null) {
                throw new IllegalArgumentException("unknown ref " + wire);
            }
            return ref;
        }
    }

    /** A ref with a path and nothing else. */
    static final class BenchRef implements ActorRef<Reply> {
        private final String path;

        BenchRef(String path) {
            this.path = path;
        }

        @Override public void tell(Reply message) { throw new UnsupportedOperationException(); }
        @Override public boolean tryTell(Reply message) { throw new UnsupportedOperationException(); }
        @Override public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends Reply> request, Duration timeout) {
            throw new UnsupportedOperationException();
        }
        @Override public String path() { return path; }
        @Override public String name() { return path.substring(path.lastIndexOf('/') + 1); }
        @Override public String toString() { return "BenchRef(" + path + ")"; }
    }
}
