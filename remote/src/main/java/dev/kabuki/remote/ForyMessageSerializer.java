package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import java.lang.reflect.RecordComponent;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.apache.fory.Fory;
import org.apache.fory.ThreadLocalFory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Config;
import org.apache.fory.config.ForyBuilder;
import org.apache.fory.context.ReadContext;
import org.apache.fory.context.WriteContext;
import org.apache.fory.exception.ClassUnregisteredException;
import org.apache.fory.exception.InsecureException;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.Serializer;

/**
 * Message bodies in Apache Fory's Java format, with class registration required.
 *
 * <h2>Registration</h2>
 * Every Fory instance registers exactly the allowed types, by id, in allow-list order (id =
 * type number), then {@link ActorRef} with id {@code allowed.size()} and a serializer that goes
 * through the {@link RefCodec}, then any extra types (tests only) after it. Fory then refuses to
 * write, and refuses to read, a value of any class not registered, apart from the JDK types
 * Fory registers itself (strings, boxed primitives, arrays, the JDK collections and maps,
 * {@code Optional}, among others); a class name in forged bytes is looked up among registered
 * names only, and refused before any class is loaded. Both
 * sides must have the same record definitions: a class version hash per record (Fory's class
 * version check) turns a mismatch into an error instead of garbage.
 *
 * <h2>ActorRefs</h2>
 * Fory writes the runtime class of a value whose declared type is an interface, and the classes
 * implementing {@link ActorRef} are not known here. A concrete ref class becomes a runtime alias
 * of {@code ActorRef} ({@code TypeResolver.registerRuntimeTypeAlias}, an internal Fory API its
 * Scala and Kotlin support use), so it is written as ActorRef's id through the codec. Fory
 * freezes registration once an instance is used, so the aliases are learnt this way: a write that
 * fails is retried after walking the message for refs of classes not yet aliased; if it finds
 * some, a new generation of per-thread Fory instances with those aliases replaces the old one.
 * The set of aliases only grows (a handful of classes per JVM), and the bytes do not depend on
 * it, so every generation reads what every other wrote.
 *
 * <h2>Concurrency</h2>
 * {@code generation} is written under {@code aliasLock} and read by every thread (volatile);
 * each {@code Generation} is immutable, its {@link ThreadSafeFory} keeps one Fory per thread.
 * The byte buffers are per thread. Never blocks, apart from the rare generation change (a lock
 * held while the new generation is set up, not while instances compile).
 */
final class ForyMessageSerializer extends TypeNumberedSerializer {
    private final List<Class<?>> extraTypes;
    private final Object aliasLock = new Object();
    private volatile Generation generation;
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    /** The aliases one set of Fory instances was built with; immutable. */
    private record Generation(Set<Class<?>> refClasses, ThreadSafeFory fory) {
    }

    /** One thread's buffers: the body being written, a view of the body being read, a copy for off-heap input. */
    private static final class Buffers {
        final MemoryBuffer out = MemoryBuffer.newHeapBuffer(256);
        final MemoryBuffer in = MemoryBuffer.newHeapBuffer(0);
        byte[] copy = new byte[256];
    }

    ForyMessageSerializer(AllowedTypes allowed, RefCodec refs) {
        this(allowed, refs, List.of());
    }

    /** With {@code extraTypes} registered after the allowed ones: only tests forge bytes this way. */
    ForyMessageSerializer(AllowedTypes allowed, RefCodec refs, List<Class<?>> extraTypes) {
        super(allowed, refs);
        this.extraTypes = List.copyOf(extraTypes);
        this.generation = newGeneration(Set.of());
    }

    private Generation newGeneration(Set<Class<?>> refClasses) {
        return new Generation(refClasses, new ThreadLocalFory(builder -> newFory(builder, refClasses)));
    }

    private Fory newFory(ForyBuilder builder, Set<Class<?>> refClasses) {
        Fory fory = builder.withXlang(false)
                .requireClassRegistration(true)
                .withRefTracking(false)
                .withCompatible(false)
                .withClassVersionCheck(true)
                .withAsyncCompilation(false)
                .build();
        List<Class<?>> types = allowed.types();
        for (int i = 0; i < types.size(); i++) {
            if (!AllowedTypes.BUILT_IN.contains(types.get(i))) { // Fory knows the JDK's value types
                fory.register(types.get(i), i);
            }
        }
        fory.register(ActorRef.class, types.size());
        fory.registerSerializer(ActorRef.class, new RefSerializer(fory.getConfig(), refs));
        for (int i = 0; i < extraTypes.size(); i++) {
            fory.register(extraTypes.get(i), types.size() + 1 + i);
        }
        for (Class<?> refClass : refClasses) {
            fory.getTypeResolver().registerRuntimeTypeAlias(refClass, ActorRef.class);
        }
        return fory;
    }

    @Override
    int writeBody(Object message, MutableDirectBuffer out, int offset) {
        MemoryBuffer body = buffers.get().out;
        while (true) {
            Generation g = generation;
            body.writerIndex(0);
            try {
                g.fory().serialize(body, message);
                break;
            } catch (RuntimeException e) {
                if (!learnRefClasses(message, g)) {
                    throw writeFailure(message, e);
                }
            }
        }
        int length = body.writerIndex();
        out.putBytes(offset, body.getHeapMemory(), 0, length);
        return length;
    }

    /** True if {@code message} holds refs of classes {@code failed} had no alias for (then a generation with them is in place). */
    private boolean learnRefClasses(Object message, Generation failed) {
        Set<Class<?>> found = new HashSet<>();
        collectRefClasses(message, found, 0);
        if (failed.refClasses().containsAll(found)) {
            return false;
        }
        synchronized (aliasLock) {
            Set<Class<?>> known = generation.refClasses();
            if (!known.containsAll(found)) {
                Set<Class<?>> all = new HashSet<>(known);
                all.addAll(found);
                generation = newGeneration(Set.copyOf(all));
            }
        }
        return true;
    }

    private static void collectRefClasses(Object value, Set<Class<?>> into, int depth) {
        if (value == null || depth > 64) {
            return;
        }
        switch (value) {
            case ActorRef<?> ref -> into.add(ref.getClass());
            case Iterable<?> items -> items.forEach(v -> collectRefClasses(v, into, depth + 1));
            case Map<?, ?> map -> map.forEach((k, v) -> {
                collectRefClasses(k, into, depth + 1);
                collectRefClasses(v, into, depth + 1);
            });
            case Optional<?> optional -> optional.ifPresent(v -> collectRefClasses(v, into, depth + 1));
            case Object[] array -> {
                for (Object v : array) {
                    collectRefClasses(v, into, depth + 1);
                }
            }
            default -> {
                if (value.getClass().isRecord()) {
                    for (RecordComponent c : value.getClass().getRecordComponents()) {
                        if (!c.getType().isPrimitive()) {
                            collectRefClasses(component(c, value), into, depth + 1);
                        }
                    }
                }
            }
        }
    }

    private static Object component(RecordComponent c, Object record) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // a component this walk cannot read: Fory's own error stands
        }
    }

    private static SerializationException writeFailure(Object message, RuntimeException e) {
        if (causedByUnregistered(e)) {
            return new DisallowedTypeException("a value inside a " + message.getClass().getName()
                    + " is of a type that is not allowed: " + rootMessage(e), e);
        }
        return new SerializationException("cannot write a " + message.getClass().getName() + ": " + rootMessage(e), e);
    }

    @Override
    Object readBody(Class<?> type, DirectBuffer in, int offset, int length) {
        Buffers b = buffers.get();
        MemoryBuffer body = b.in;
        byte[] array = in.byteArray();
        if (array != null) {
            body.pointTo(array, in.wrapAdjustment() + offset, length);
        } else {
            if (b.copy.length < length) {
                b.copy = new byte[Math.max(length, 2 * b.copy.length)];
            }
            in.getBytes(offset, b.copy, 0, length);
            body.pointTo(b.copy, 0, length);
        }
        body.readerIndex(0);
        Object message;
        try {
            message = generation.fory().deserialize(body);
        } catch (RuntimeException e) {
            if (causedByUnregistered(e)) {
                throw new DisallowedTypeException("the bytes of a " + type.getName()
                        + " name a type that is not allowed: " + rootMessage(e), e);
            }
            throw new SerializationException("bad bytes for a " + type.getName() + ": " + rootMessage(e), e);
        }
        if (body.readerIndex() != length) {
            throw new SerializationException("a " + type.getName() + " took " + body.readerIndex() + " of the "
                    + length + " bytes of its body");
        }
        return message;
    }

    private static boolean causedByUnregistered(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InsecureException || t instanceof ClassUnregisteredException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Writes any {@link ActorRef} as its codec's string; reads one back through the codec. */
    @SuppressWarnings("rawtypes")
    private static final class RefSerializer extends Serializer<ActorRef> {
        private final RefCodec refs;

        RefSerializer(Config config, RefCodec refs) {
            super(config, ActorRef.class, false, true);
            this.refs = refs;
        }

        @Override
        public void write(WriteContext context, ActorRef ref) {
            context.writeString(refs.toWire(ref));
        }

        @Override
        public ActorRef read(ReadContext context) {
            String wire = context.readString();
            try {
                return refs.fromWire(wire);
            } catch (IllegalArgumentException e) {
                throw new SerializationException("bad actor ref " + wire + ": " + e.getMessage(), e);
            }
        }
    }
}
