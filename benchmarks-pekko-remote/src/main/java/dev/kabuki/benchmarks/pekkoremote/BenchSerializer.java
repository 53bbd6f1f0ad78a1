package dev.kabuki.benchmarks.pekkoremote;

import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Ack;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Data;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Ping;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Pong;
import dev.kabuki.benchmarks.pekkoremote.BenchProtocol.Start;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The benchmark messages written by hand, the way a tuned Pekko application does it: a
 * {@link SerializerWithStringManifest} with a one-letter manifest per message type, which is also a
 * {@link ByteBufferSerializer} so that Artery writes straight into (and reads straight from) its
 * pooled envelope buffer without an intermediate byte array. ActorRefs travel as their serialization
 * format string ({@link ActorRefResolver}, as Pekko's documentation shows for typed refs).
 *
 * <p>Layout, little-endian: Ping = sentNanos:long, payload, replyTo; Pong = sentNanos:long, payload;
 * Start = ackEvery:int, replyTo; Data = payload; Ack = count:int; where a payload is length:int then
 * its bytes, and an ActorRef is its serialization format as a UTF-8 payload.
 */
public final class BenchSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
    /** Any value not reserved by Pekko (0 to 40 are). */
    private static final int IDENTIFIER = 7_300_001;

    private final ActorRefResolver resolver;

    /** Pekko creates serializers reflectively with the (classic) system. */
    public BenchSerializer(ExtendedActorSystem system) {
        this.resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        if (o instanceof Ping) {
            return "P";
        } else if (o instanceof Pong) {
            return "O";
        } else if (o instanceof Data) {
            return "D";
        } else if (o instanceof Ack) {
            return "A";
        } else if (o instanceof Start) {
            return "S";
        }
        throw new IllegalArgumentException("not a benchmark message: " + o.getClass());
    }

    @Override
    public byte[] toBinary(Object o) {
        byte[] ref = refOf(o);
        int size = switch (o) {
            case Ping p -> 8 + 4 + p.payload().length + 4 + ref.length;
            case Pong p -> 8 + 4 + p.payload().length;
            case Data d -> 4 + d.payload().length;
            case Ack a -> 4;
            case Start s -> 4 + 4 + ref.length;
            default -> throw new IllegalArgumentException("not a benchmark message: " + o.getClass());
        };
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        write(o, ref, buf);
        return buf.array();
    }

    @Override
    public void toBinary(Object o, ByteBuffer buf) {
        ByteOrder order = buf.order();
        buf.order(ByteOrder.LITTLE_ENDIAN);
        try {
            write(o, refOf(o), buf);
        } finally {
            buf.order(order);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return read(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buf, String manifest) throws NotSerializableException {
        ByteOrder order = buf.order();
        buf.order(ByteOrder.LITTLE_ENDIAN);
        try {
            return read(buf, manifest);
        } finally {
            buf.order(order);
        }
    }

    /** The message's ActorRef in its serialization format (UTF-8), or null if it has none. */
    private byte[] refOf(Object o) {
        ActorRef<?> ref = switch (o) {
            case Ping p -> p.replyTo();
            case Start s -> s.replyTo();
            default -> null;
        };
        return ref == null ? null : resolver.toSerializationFormat(ref).getBytes(StandardCharsets.UTF_8);
    }

    private static void write(Object o, byte[] ref, ByteBuffer buf) {
        switch (o) {
            case Ping p -> {
                buf.putLong(p.sentNanos());
                putBytes(buf, p.payload());
                putBytes(buf, ref);
            }
            case Pong p -> {
                buf.putLong(p.sentNanos());
                putBytes(buf, p.payload());
            }
            case Data d -> putBytes(buf, d.payload());
            case Ack a -> buf.putInt(a.count());
            case Start s -> {
                buf.putInt(s.ackEvery());
                putBytes(buf, ref);
            }
            default -> throw new IllegalArgumentException("not a benchmark message: " + o.getClass());
        }
    }

    private Object read(ByteBuffer buf, String manifest) throws NotSerializableException {
        switch (manifest) {
            case "P" -> {
                long sentNanos = buf.getLong();
                byte[] payload = getBytes(buf);
                return new Ping(sentNanos, payload, resolver.resolveActorRef(getString(buf)));
            }
            case "O" -> {
                long sentNanos = buf.getLong();
                return new Pong(sentNanos, getBytes(buf));
            }
            case "D" -> {
                return new Data(getBytes(buf));
            }
            case "A" -> {
                return new Ack(buf.getInt());
            }
            case "S" -> {
                int ackEvery = buf.getInt();
                return new Start(resolver.resolveActorRef(getString(buf)), ackEvery);
            }
            default -> throw new NotSerializableException("unknown benchmark message manifest '" + manifest + "'");
        }
    }

    private static void putBytes(ByteBuffer buf, byte[] bytes) {
        buf.putInt(bytes.length);
        buf.put(bytes);
    }

    private static byte[] getBytes(ByteBuffer buf) {
        byte[] bytes = new byte[buf.getInt()];
        buf.get(bytes);
        return bytes;
    }

    private static String getString(ByteBuffer buf) {
        return new String(getBytes(buf), StandardCharsets.UTF_8);
    }
}
