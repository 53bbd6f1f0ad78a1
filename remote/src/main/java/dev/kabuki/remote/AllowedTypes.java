package dev.kabuki.remote;

import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The message types allowed on the wire, and their numbers there.
 *
 * <p>A user allows roots: records, enums, final classes, or sealed interfaces and classes. A
 * sealed root stands for every concrete type it permits, found by walking
 * {@link Class#getPermittedSubclasses()} down to records, enums and final classes, once, when
 * the settings are built. Only these classes are ever instantiated from the wire, and no class
 * is looked up by a name read from the wire: a frame carries a type number, the index of the
 * type in this table (sorted by class name, so two nodes allowing the same roots number them
 * alike). Both nodes' tables must match; the handshake compares their {@link #fingerprint()}
 * and refuses a peer whose table differs, naming the fingerprints.
 *
 * <p>The JDK's value types ({@link #BUILT_IN}: strings and boxed primitives) are always in the
 * table, so a reply such as an {@code Integer} needs no allowing.
 *
 * <p>An open root (an interface or a non-final class that is not sealed) is refused: its
 * subtypes cannot be listed, so allowing it would mean instantiating whatever a frame names.
 *
 * <p>Immutable once built; thread-safe.
 */
final class AllowedTypes {
    /** Always allowed: final JDK value classes every serializer writes natively. */
    static final List<Class<?>> BUILT_IN = List.of(String.class, Boolean.class, Byte.class, Character.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class);

    private final List<Class<?>> byNumber;
    private final Map<Class<?>, Integer> numbers;
    private final long fingerprint;

    private AllowedTypes(List<Class<?>> sorted) {
        this.byNumber = List.copyOf(sorted);
        Map<Class<?>, Integer> n = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            n.put(sorted.get(i), i);
        }
        this.numbers = Map.copyOf(n);
        this.fingerprint = fingerprintOf(sorted);
    }

    /**
     * The table for these roots.
     *
     * @throws IllegalArgumentException a root is open (neither sealed nor final), abstract
     *                                  without being sealed, or an array or primitive; the
     *                                  message names it and says what is accepted
     */
    static AllowedTypes of(Set<Class<?>> roots) {
        Set<Class<?>> concrete = new LinkedHashSet<>(BUILT_IN);
        for (Class<?> root : roots) {
            Objects.requireNonNull(root, "allowed root");
            collect(root, root, concrete);
        }
        List<Class<?>> sorted = new ArrayList<>(concrete);
        sorted.sort(Comparator.comparing(Class::getName));
        return new AllowedTypes(sorted);
    }

    private static void collect(Class<?> type, Class<?> root, Set<Class<?>> into) {
        if (type.isPrimitive() || type.isArray()) {
            throw new IllegalArgumentException("allowed message type " + type.getTypeName()
                    + " is not a class: allow records, enums, final classes or sealed types");
        }
        if (type.isEnum()) {
            into.add(type); // its constants' bodies (implicitly permitted subclasses) go as the enum
            return;
        }
        if (type.isSealed()) {
            if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
                into.add(type); // a sealed concrete class is a message type itself, as well as its subtypes
            }
            for (Class<?> sub : type.getPermittedSubclasses()) {
                collect(sub, root, into);
            }
            return;
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) || !isClosed(type)) {
            String via = type == root ? "" : " (permitted by " + root.getName() + ")";
            throw new IllegalArgumentException("allowed message type " + type.getName() + via
                    + " is open: its subtypes cannot be listed, so frames could name any of them;"
                    + " make it a record, an enum, a final class, or seal it");
        }
        into.add(type);
    }

    /** Records, enums and final classes: no subtype can exist outside the table. */
    private static boolean isClosed(Class<?> type) {
        return type.isRecord() || type.isEnum() || Modifier.isFinal(type.getModifiers());
    }

    /** The number of {@code type} on the wire, or -1 if it is not allowed (an enum constant's class counts as its enum). */
    int numberOf(Class<?> type) {
        Integer n = numbers.get(type);
        if (n == null && type.isAnonymousClass() && type.getSuperclass() != null && type.getSuperclass().isEnum()) {
            n = numbers.get(type.getSuperclass()); // an enum constant with a body
        }
        return n == null ? -1 : n;
    }

    /** The type with number {@code n}, or null if the number is outside the table. */
    Class<?> typeOf(int n) {
        return n >= 0 && n < byNumber.size() ? byNumber.get(n) : null;
    }

    /** How many types are allowed. */
    int size() {
        return byNumber.size();
    }

    /** The allowed types, by number. */
    List<Class<?>> types() {
        return byNumber;
    }

    /** A 64-bit FNV-1a hash of the sorted class names: equal tables, equal fingerprints. */
    long fingerprint() {
        return fingerprint;
    }

    private static long fingerprintOf(List<Class<?>> sorted) {
        long h = 0xcbf29ce484222325L;
        for (Class<?> c : sorted) {
            for (byte b : c.getName().getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xFF;
                h *= 0x100000001b3L;
            }
            h ^= '\n';
            h *= 0x100000001b3L;
        }
        return h;
    }
}
