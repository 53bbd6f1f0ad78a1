package dev.kabuki.remote;

/**
 * kabuki's {@link MessageSerializer}s, for the transport to pick from: Apache Fory by default
 * (docs/remote.md, Serialization, has the measurements behind the choice), Jackson CBOR as the
 * fallback, whose jars are optional dependencies of this module (jackson-dataformat-cbor,
 * jackson-databind, jackson-datatype-jdk8): without them {@link #jacksonCbor} throws
 * {@link NoClassDefFoundError}. Stateless; thread-safe.
 */
final class MessageSerializers {
    private MessageSerializers() {
    }

    /**
     * The default: Apache Fory with class registration required; 3 to 10 times faster than
     * Jackson CBOR on the benchmark's messages, with up to half the bytes and a quarter to a
     * sixth of the allocation.
     */
    static MessageSerializer defaultFor(AllowedTypes allowed, RefCodec refs) {
        return fory(allowed, refs);
    }

    /** Apache Fory, class registration required: {@link ForyMessageSerializer}. */
    static MessageSerializer fory(AllowedTypes allowed, RefCodec refs) {
        return new ForyMessageSerializer(allowed, refs);
    }

    /** Jackson CBOR, typing restricted to the allow-list: {@link JacksonCborMessageSerializer}. */
    static MessageSerializer jacksonCbor(AllowedTypes allowed, RefCodec refs) {
        return new JacksonCborMessageSerializer(allowed, refs);
    }
}
