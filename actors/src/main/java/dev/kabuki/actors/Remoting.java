package dev.kabuki.actors;

import dev.kabuki.scheduler.JoinHandle;
import java.net.URI;

/**
 * An actor system's remote side, as seen from the actors module: how to reach an actor of
 * another system by its address. The implementation lives in kabuki-remote
 * ({@code dev.kabuki.remote.RemoteActors}, which also offers node events and the receptionist);
 * a system gets one when its builder is given {@link ActorSystem.Builder#remote(Provider)}, and
 * {@link ActorSystem#remote()} returns it.
 *
 * <pre>{@code
 * ActorSystem orders = ActorSystem.builder().name("orders")
 *         .remote(RemoteSettings.bind("127.0.0.1", 25520).allow(CounterMsg.class))
 *         .build();
 * ActorRef<CounterMsg> counter = orders.remote()
 *         .lookup(URI.create("kabuki://orders@10.0.0.2:25520/user/counter"), CounterMsg.class)
 *         .join();
 * }</pre>
 *
 * <p>Implementations are thread-safe and never block; only {@code join} on the handle does.
 */
public interface Remoting extends ActorSystem.Extension {
    /**
     * Finds the actor at {@code uri} ({@code kabuki://system@host:port/user/name}) and completes
     * with a ref to it once its node has answered; the ref has the same {@code tell} and
     * {@code ask} as a local one. Fails with {@link ActorTerminatedException} when no actor is
     * at that path; the implementation documents its other failures (node down, timeout).
     *
     * @param type the actor's message type, which must be allowed on the wire
     * @throws IllegalArgumentException the URI is not an actor address, or {@code type} may not
     *                                  cross the wire
     */
    <M> JoinHandle<ActorRef<M>> lookup(URI uri, Class<M> type);

    /**
     * What starts a system's remote side while the system is built: kabuki-remote's
     * {@code RemoteSettings} is one. Called once by {@link ActorSystem.Builder#build()}, on the
     * building thread, after the system started and before {@code build} returns.
     */
    interface Provider {
        /**
         * Starts the remote side of {@code system} (binding its endpoint) and returns it.
         *
         * @throws RuntimeException it could not start; {@code build} then shuts the system
         *                          down and rethrows
         */
        Remoting start(ActorSystem system);
    }
}
