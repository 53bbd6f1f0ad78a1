package dev.kabuki.remote;

/**
 * kabuki's {@link MessageSerializer}s, for the transport to pick from. See docs/remote.md,
 * Serialization, for the measurements behind the default. Stateless; thread-safe.
 */
final class MessageSerializers {
    private MessageSerializers() {
    }

    /** The default: Apache Fory with class registration required. */
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
