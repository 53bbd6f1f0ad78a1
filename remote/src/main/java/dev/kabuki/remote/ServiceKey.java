package dev.kabuki.remote;

import java.util.Objects;

/**
 * The name under which actors are registered with the receptionist ({@link RemoteActors#register})
 * and found from any node ({@link RemoteActors#find}): an id and the actors' message type.
 * Two keys are equal when their ids and types are.
 *
 * @param id   1 to 200 characters of letters, digits, {@code - _ .}
 * @param type the registered actors' message type; it must be allowed on the wire
 * @param <M>  the message type
 */
public record ServiceKey<M>(String id, Class<M> type) {
    public ServiceKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        if (id.isEmpty() || id.length() > 200 || !id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("service key id must be 1 to 200 of [A-Za-z0-9._-], got '" + id + "'");
        }
    }

    /** A key for {@code id} and {@code type}. */
    public static <M> ServiceKey<M> of(String id, Class<M> type) {
        return new ServiceKey<>(id, type);
    }
}
