package dev.kabuki.remote;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.BeanSerializerBase;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.kabuki.actors.ActorRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.io.DirectBufferInputStream;
import org.agrona.io.ExpandableDirectBufferOutputStream;

/**
 * Message bodies in CBOR through Jackson databind, with polymorphism restricted to the
 * allow-list.
 *
 * <h2>What may be instantiated</h2>
 * <ul>
 *   <li>The root type comes from the type number ({@link TypeNumberedSerializer}), never from
 *       the body.</li>
 *   <li>A value whose declared type is sealed (a sealed interface or class: the only polymorphic
 *       types an allowed record can hold) carries a type id, {@code [id, value]}, where the id is
 *       the type number of an allowed class registered as a named subtype; an unknown id is
 *       refused ({@link DisallowedTypeException}). Ids are names, never class names, so Jackson
 *       never looks a class up from the wire; the {@link PolymorphicTypeValidator} allows only
 *       the allowed classes as a second fence.</li>
 *   <li>Any other class Jackson would build as a bean (a record, a POJO) must be allowed: a bean
 *       deserializer for any other class refuses to run, and a bean serializer for any other class
 *       refuses to write, so a nested record outside the allow-list fails on the sending side,
 *       naming it.</li>
 *   <li>Containers (lists, sets, maps, optionals), strings, numbers, byte arrays are Jackson's
 *       own; {@link ActorRef}s go through the {@link RefCodec} as strings.</li>
 * </ul>
 * Records need no annotations; unknown properties, missing constructor properties and nulls for
 * primitives are errors, as are trailing bytes.
 *
 * <p>Thread-safe: the mapper, reader and writer are immutable after construction; streams are
 * made per call. Never blocks.
 */
final class JacksonCborMessageSerializer extends TypeNumberedSerializer {
    private final ObjectWriter writer;
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;

    JacksonCborMessageSerializer(AllowedTypes allowed, RefCodec refs) {
        this(allowed, refs, List.of());
    }

    /** With {@code extraTypes} allowed after the allowed ones: only tests forge bytes this way. */
    JacksonCborMessageSerializer(AllowedTypes allowed, RefCodec refs, List<Class<?>> extraTypes) {
        super(allowed, refs);
        List<Class<?>> wireTypes = new ArrayList<>(allowed.types());
        wireTypes.addAll(extraTypes);
        Set<Class<?>> permitted = Set.copyOf(wireTypes);
        PolymorphicTypeValidator validator = new AllowListValidator(permitted);

        ObjectMapper m = new ObjectMapper(new CBORFactory());
        m.registerModule(new Jdk8Module());
        m.registerModule(refModule(refs));
        m.registerModule(allowListModule(permitted));
        List<NamedType> named = new ArrayList<>();
        for (int i = 0; i < wireTypes.size(); i++) {
            named.add(new NamedType(wireTypes.get(i), Integer.toString(i)));
        }
        ObjectMapper.DefaultTypeResolverBuilder typing = new SealedTyping(validator, named);
        typing = (ObjectMapper.DefaultTypeResolverBuilder) typing.init(JsonTypeInfo.Id.NAME, null)
                .inclusion(JsonTypeInfo.As.WRAPPER_ARRAY);
        m.setDefaultTyping(typing);
        m.registerSubtypes(named.toArray(NamedType[]::new));
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        this.mapper = m;
        this.writer = m.writer();
    }

    @Override
    int writeBody(Object message, MutableDirectBuffer out, int offset) {
        ExpandableDirectBufferOutputStream stream = new ExpandableDirectBufferOutputStream(out, offset);
        try {
            writer.writeValue(stream, message);
        } catch (IOException | RuntimeException e) {
            Throwable refused = findDisallowed(e);
            if (refused != null) {
                throw new DisallowedTypeException("a value inside a " + message.getClass().getName()
                        + " is of a type that is not allowed: " + refused.getMessage(), e);
            }
            throw new SerializationException("cannot write a " + message.getClass().getName() + ": " + e.getMessage(), e);
        }
        return stream.position();
    }

    @Override
    Object readBody(Class<?> type, DirectBuffer in, int offset, int length) {
        ObjectReader reader = readers.computeIfAbsent(type, mapper::readerFor);
        try {
            return reader.readValue(new DirectBufferInputStream(in, offset, length));
        } catch (InvalidTypeIdException e) {
            throw new DisallowedTypeException("the bytes of a " + type.getName() + " name type id "
                    + e.getTypeId() + ", not in the allow-list of " + allowed.size() + " types", e);
        } catch (IOException | RuntimeException e) {
            Throwable refused = findDisallowed(e);
            if (refused != null) {
                throw new DisallowedTypeException("the bytes of a " + type.getName()
                        + " hold a type that is not allowed: " + refused.getMessage(), e);
            }
            throw new SerializationException("bad bytes for a " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    private static Throwable findDisallowed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DisallowedTypeException) {
                return t;
            }
        }
        return null;
    }

    /**
     * Type ids for sealed declared types only (records, final classes and enums, even an enum
     * with constant bodies, are what they are declared as), named by type number both ways.
     */
    private static final class SealedTyping extends ObjectMapper.DefaultTypeResolverBuilder {
        private static final long serialVersionUID = 1L;
        private final List<NamedType> named;

        SealedTyping(PolymorphicTypeValidator validator, List<NamedType> named) {
            super(ObjectMapper.DefaultTyping.NON_FINAL, validator);
            this.named = List.copyOf(named);
        }

        @Override
        public boolean useForType(JavaType t) {
            return t.getRawClass().isSealed() && !t.isEnumType();
        }

        /** Jackson hands default typing no registered subtypes when writing; without them it would write class names. */
        @Override
        public TypeSerializer buildTypeSerializer(SerializationConfig config, JavaType baseType,
                                                  Collection<NamedType> subtypes) {
            return super.buildTypeSerializer(config, baseType, subtypes != null ? subtypes : named);
        }
    }

    /** Allows exactly the wire types as subtypes; no base type opens the door to others. */
    private static final class AllowListValidator extends PolymorphicTypeValidator.Base {
        private static final long serialVersionUID = 1L;
        private final Set<Class<?>> permitted;

        AllowListValidator(Set<Class<?>> permitted) {
            this.permitted = permitted;
        }

        @Override
        public Validity validateSubClassName(com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                                             JavaType baseType, String subClassName) {
            return Validity.INDETERMINATE; // decided on the class, never loaded by this name otherwise
        }

        @Override
        public Validity validateSubType(com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                                        JavaType baseType, JavaType subType) {
            return permitted.contains(subType.getRawClass()) ? Validity.ALLOWED : Validity.DENIED;
        }
    }

    /** Bean (de)serializers only for allowed classes: anything else Jackson would build field by field is refused. */
    private static SimpleModule allowListModule(Set<Class<?>> permitted) {
        SimpleModule module = new SimpleModule("kabuki-allow-list");
        module.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription bean,
                                                          JsonDeserializer<?> deserializer) {
                Class<?> type = bean.getBeanClass();
                if (deserializer instanceof BeanDeserializerBase && !permitted.contains(type)) {
                    return new RefusingDeserializer(type);
                }
                return deserializer;
            }
        });
        module.setSerializerModifier(new BeanSerializerModifier() {
            @Override
            public JsonSerializer<?> modifySerializer(SerializationConfig config, BeanDescription bean,
                                                      JsonSerializer<?> serializer) {
                Class<?> type = bean.getBeanClass();
                if (serializer instanceof BeanSerializerBase && !permitted.contains(type)) {
                    return new RefusingSerializer(type);
                }
                return serializer;
            }
        });
        return module;
    }

    private static final class RefusingDeserializer extends StdDeserializer<Object> {
        private static final long serialVersionUID = 1L;

        RefusingDeserializer(Class<?> type) {
            super(type);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctx) {
            throw new DisallowedTypeException(notAllowed(handledType()));
        }
    }

    private static final class RefusingSerializer extends StdSerializer<Object> {
        private static final long serialVersionUID = 1L;

        RefusingSerializer(Class<?> type) {
            super(type, false);
        }

        @Override
        public void serialize(Object value, JsonGenerator gen, SerializerProvider provider) {
            throw new DisallowedTypeException(notAllowed(value.getClass()));
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static SimpleModule refModule(RefCodec refs) {
        SimpleModule module = new SimpleModule("kabuki-actor-refs");
        module.addSerializer(ActorRef.class, new StdSerializer<ActorRef>(ActorRef.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public void serialize(ActorRef ref, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(refs.toWire(ref));
            }
        });
        module.addDeserializer(ActorRef.class, new StdDeserializer<ActorRef>(ActorRef.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public ActorRef deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    return (ActorRef) ctx.handleUnexpectedToken(ActorRef.class, p);
                }
                String wire = p.getText();
                try {
                    return refs.fromWire(wire);
                } catch (IllegalArgumentException e) {
                    throw JacksonException.class.cast(ctx.weirdStringException(wire, ActorRef.class, e.getMessage()));
                }
            }
        });
        return module;
    }
}
