package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.ActorTerminatedException;
import dev.kabuki.actors.Remoting;
import dev.kabuki.actors.internal.ActorSystemInternals;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.Promise;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An actor system's remote side: its actors reachable from other JVMs, and refs to theirs with
 * the same {@code tell} and {@code ask}. Started once per system with {@link #start}; a system
 * never started this way is local only (no Aeron thread, no files in {@code /dev/shm}).
 *
 * <pre>{@code
 * ActorSystem orders = ActorSystem.builder().name("orders")
 *         .remote(RemoteSettings.bind("127.0.0.1", 25520)
 *                 .seedNodes("kabuki://orders@10.0.0.2:25520")
 *                 .allow(CounterMsg.class)
 *                 .cookie(System.getenv("KABUKI_COOKIE")))
 *         .build();
 * ActorRef<CounterMsg> counter = orders.remote()
 *         .lookup(URI.create("kabuki://orders@10.0.0.2:25520/user/counter"), CounterMsg.class)
 *         .join();
 * counter.tell(new Increment(5));
 * JoinHandle<Integer> total = counter.ask(Get::new, Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>Guarantees (as Pekko's Artery): {@code tell} is at most once and in order per sender and
 * receiver; watch, unwatch and termination notices are delivered reliably; a node unreachable
 * for about 11–13 s (the phi accrual detector's defaults) is down for good in that incarnation:
 * watchers of its actors get {@code Terminated} and asks to them fail at once with
 * {@link RemoteNodeDownException}.
 *
 * <p>Thread-safe. No method blocks except {@code join} on what {@link #lookup} returns. Closed
 * with the actor system (its peers are told this node is leaving).
 */
public final class RemoteActors implements Remoting {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteActors.class);
    private static final String LOOKUP_PREFIX = "/temp/lookup/";

    private final ActorSystem system;
    private final RemoteSettings settings;
    private final NodeAddress address;
    private final long uid;
    private final AllowedTypes allowed;
    private final RemoteRefs refs;
    private final RemoteWatches watches;
    private final RemoteAsks asks;
    private final Receptionist receptionist;
    private final MessageSerializer serializer;
    private final RemoteAgent agent;
    private final AgentRunner runner;
    private final DropLog drops;
    private final int maxMessageBytes;
    private final ThreadLocal<ExpandableDirectByteBuffer> sendBuffers =
            ThreadLocal.withInitial(() -> new ExpandableDirectByteBuffer(512));
    private final ConcurrentHashMap<Long, Lookup> lookups = new ConcurrentHashMap<>();
    private final AtomicLong lookupIds = new AtomicLong();
    private final Set<NodeAddress> up = new HashSet<>();
    private final Set<ActorRef<? super NodeEvent>> subscribers = new HashSet<>();

    private record Lookup(NodeAddress node, String path, Promise<ActorRef<?>> promise) {
    }

    /**
     * Starts {@code system}'s remote side with {@code settings}: binds the UDP endpoint, starts
     * the embedded Aeron media driver and the remote thread, and dials the seed nodes. Returns
     * the running one if this system's remote side has been started already.
     *
     * @throws IllegalStateException the endpoint could not be bound (the message names why), or
     *                               the system is shutting down
     */
    public static RemoteActors start(ActorSystem system, RemoteSettings settings) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(settings, "settings");
        return system.extension(RemoteActors.class, s -> new RemoteActors(s, settings));
    }

    /**
     * The remote side of {@code system}.
     *
     * @throws IllegalStateException it was never started (by {@link #start} or the builder's
     *                               {@code remote(settings)})
     */
    public static RemoteActors of(ActorSystem system) {
        return system.extension(RemoteActors.class, s -> {
            throw new IllegalStateException("actor system '" + s.name() + "' has no remote side: start it with"
                    + " RemoteActors.start(system, RemoteSettings.bind(host, port))");
        });
    }

    private RemoteActors(ActorSystem system, RemoteSettings settings) {
        this.system = system;
        this.settings = settings;
        this.allowed = AllowedTypes.of(settings.allowedRoots());
        this.maxMessageBytes = settings.maxMessageBytes();
        this.refs = new RemoteRefs(this);
        this.watches = new RemoteWatches(this);
        this.asks = new RemoteAsks(this);
        this.receptionist = new Receptionist(this);
        this.serializer = MessageSerializers.defaultFor(allowed, refs);
        this.drops = new DropLog(System::nanoTime, TimeUnit.SECONDS.toNanos(10));
        long u;
        do {
            u = ThreadLocalRandom.current().nextLong();
        } while (u == 0);
        this.uid = u;
        AeronTransport transport = new AeronTransport(system.name(), settings.host(), settings.port(),
                settings.aeronDirectory(), settings.ordinaryTermLength(), settings.driverThreading(),
                settings.externalMediaDriver(), settings.maxIdlePark().toNanos());
        this.address = new NodeAddress(system.name(), settings.host(), transport.localAddress().getPort());
        this.agent = new RemoteAgent(transport, address, uid, allowed.fingerprint(), settings, new Inbound(),
                System::nanoTime);
        this.runner = new AgentRunner(agent.idleStrategy(), e -> LOG.error("remote: the remote thread of '{}' failed",
                system.name(), e), null, agent);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, "kabuki-remote-" + system.name());
            t.setDaemon(true);
            return t;
        });
        for (NodeAddress seed : settings.seedNodes()) {
            if (!seed.equals(address)) {
                agent.connect(seed);
            }
        }
        LOG.info("remote: '{}' listening at {} (incarnation {}), {} message type(s) allowed", system.name(), address,
                uid, allowed.size());
    }

    /** Where other nodes reach this system: {@code kabuki://system@host:port} (the port resolved if 0 was asked). */
    public NodeAddress address() {
        return address;
    }

    /**
     * Finds the actor at {@code uri} ({@code kabuki://system@host:port/user/name}) and returns a
     * ref to it once its node has answered: fails with {@link ActorTerminatedException} if no
     * actor is there, with {@link RemoteNodeDownException} if the node goes down first, and times
     * out after the handshake timeout. A URI of this node gives the local actor.
     *
     * @param type the actor's message type; it (or, for a sealed interface, its permitted
     *             types) must be allowed on the wire
     * @throws IllegalArgumentException the URI is not an actor address, or {@code type} is not
     *                                  allowed on the wire
     */
    @Override
    @SuppressWarnings("unchecked")
    public <M> JoinHandle<ActorRef<M>> lookup(URI uri, Class<M> type) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(type, "type");
        checkAllowed(type);
        NodeAddress node = NodeAddress.of(uri);
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/user/") || path.length() > UserFrame.MAX_PATH) {
            throw new IllegalArgumentException("expected kabuki://system@host:port/user/..., got " + uri);
        }
        Promise<ActorRef<?>> promise = system.promise();
        if (node.equals(address)) {
            ActorRef<?> local = refs.localForWatch(path, 0);
            if (local != null) {
                promise.complete(local);
            } else {
                promise.fail(new ActorTerminatedException("no actor at " + uri));
            }
        } else { // even to a node seen down: it may have restarted at the same address
            long id = lookupIds.incrementAndGet();
            lookups.put(id, new Lookup(node, path, promise));
            promise.whenComplete((v, e) -> lookups.remove(id));
            promise.orTimeout(settings.handshakeTimeout());
            agent.sendSystem(node, new ControlCodec.SystemFrame(0, ControlCodec.SystemKind.IDENTIFY, 0, path, 0,
                    LOOKUP_PREFIX + id));
        }
        return (JoinHandle<ActorRef<M>>) (JoinHandle<?>) promise;
    }

    /**
     * Subscribes {@code subscriber} to {@link NodeEvent}s: first a {@code NodeUp} for every node
     * up now, then each event as it happens, in order. Thread-safe.
     *
     * @return closing it ends the subscription
     */
    public AutoCloseable subscribe(ActorRef<? super NodeEvent> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        synchronized (subscribers) {
            subscribers.add(subscriber);
            for (NodeAddress n : up) {
                subscriber.tell(new NodeEvent.NodeUp(n));
            }
        }
        return () -> {
            synchronized (subscribers) {
                subscribers.remove(subscriber);
            }
        };
    }

    /**
     * Registers the local actor {@code ref} under {@code key} with the receptionist: every node
     * that is up now or comes up later learns of it, until it stops. Thread-safe; never blocks.
     *
     * @throws IllegalArgumentException {@code ref} is not a local actor of this system, or the
     *                                  key's type is not allowed on the wire
     */
    public <M> void register(ServiceKey<M> key, ActorRef<M> ref) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ref, "ref");
        checkAllowed(key.type());
        receptionist.register(key, ref);
    }

    /**
     * The actors registered under {@code key} on this node and on every node up, as this node
     * knows them now (no round trip; a registration elsewhere arrives within about a round trip,
     * so callers that expect one may retry). Thread-safe; never blocks.
     */
    public <M> java.util.Set<ActorRef<M>> find(ServiceKey<M> key) {
        Objects.requireNonNull(key, "key");
        return receptionist.find(key);
    }

    /**
     * Subscribes the local actor {@code subscriber} to {@code key}'s {@link Listing}: the actors
     * registered under it now, at once, then the new listing after every change (a registration
     * or a registered actor's stop on any node up, a node gone down), in the order this node
     * learns of them. Ends when the subscriber stops or the returned handle is closed. Instead of
     * polling {@link #find}: wait for the listing that has what you need. A listing the
     * subscriber's full bounded mailbox refuses goes to dead letters (each listing is whole, so
     * the next one makes up for it). Thread-safe; never blocks.
     *
     * @return closing it ends the subscription
     * @throws IllegalArgumentException {@code subscriber} is not a local actor of this system
     */
    public <M> AutoCloseable subscribe(ServiceKey<M> key, ActorRef<? super Listing<M>> subscriber) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(subscriber, "subscriber");
        return receptionist.subscribe(key, subscriber);
    }

    private void checkAllowed(Class<?> type) {
        if (allowed.types().stream().noneMatch(type::isAssignableFrom)) {
            throw new IllegalArgumentException(type.getName() + " is not allowed on the wire: add it (or its sealed"
                    + " root) with RemoteSettings.allow(...) on every node");
        }
    }

    /** Leaves: tells the peers, stops the remote thread, the media driver, and removes its files. */
    @Override
    public void close() {
        runner.close();
    }

    // ---------------------------------------------------------------- for the package

    ActorSystem system() {
        return system;
    }

    RemoteAgent agent() {
        return agent;
    }

    RemoteRefs refs() {
        return refs;
    }

    RemoteWatches watches() {
        return watches;
    }

    RemoteAsks asks() {
        return asks;
    }

    /** Counts and publishes an undeliverable message. */
    void deadLetter(Object message, ActorRef<?> recipient, String reason) {
        ActorSystemInternals.deadLetter(system, message, recipient.path(), reason);
    }

    /**
     * Serializes {@code message} on the calling thread into the target node's outbound queue;
     * false if the queue is full. (A message for an incarnation that is gone is dropped and
     * counted by the remote thread, or, if the node restarted, by the new incarnation, which
     * has no actor of that uid.)
     *
     * @throws IllegalArgumentException the message is larger than the largest remote message
     * @throws DisallowedTypeException  the message's type (or one inside it) is not allowed
     */
    boolean send(RemoteActorRef<?> to, Object message, long askId) {
        ExpandableDirectByteBuffer b = sendBuffers.get();
        int p = UserFrame.writeEnvelope(b, uid, to.uid, askId, to.path);
        int n = serializer.write(message, b, p);
        int length = FrameHeader.finish(b, 0, p + n);
        if (length > maxMessageBytes) {
            throw new IllegalArgumentException("a " + message.getClass().getName() + " of " + length
                    + " bytes to " + to.path() + " is larger than the largest remote message, " + maxMessageBytes
                    + " bytes (an eighth of RemoteSettings.ordinaryTermLength)");
        }
        return agent.offerUser(to.node, b, 0, length);
    }

    private void publish(NodeEvent e) {
        synchronized (subscribers) {
            if (e instanceof NodeEvent.NodeUp) {
                up.add(e.node());
            } else {
                up.remove(e.node());
            }
            for (ActorRef<? super NodeEvent> s : subscribers) {
                s.tell(e);
            }
        }
    }

    /** What the remote thread reports: runs on that thread. */
    private final class Inbound implements PeerEvents {
        @Override
        public void nodeUp(NodeAddress node, long nodeUid) {
            watches.nodeUp(node);
            receptionist.nodeUp(node);
            publish(new NodeEvent.NodeUp(node));
        }

        @Override
        public void nodeDown(NodeAddress node, long nodeUid, String reason) {
            watches.nodeDown(node);
            asks.nodeDown(node, reason);
            receptionist.nodeDown(node);
            for (Lookup l : lookups.values()) {
                if (l.node().equals(node)) {
                    l.promise().fail(new RemoteNodeDownException(node, reason));
                }
            }
            publish(new NodeEvent.NodeDown(node, reason));
        }

        @Override
        public void systemMessage(NodeAddress node, long nodeUid, ControlCodec.SystemFrame f) {
            switch (f.kind()) {
                case WATCH -> watches.watchedFrom(node, f.watchee(), f.watcheeUid());
                case UNWATCH -> watches.unwatchedFrom(node, f.watchee(), f.watcheeUid());
                case TERMINATED -> watches.terminated(node, f.watchee(), f.watcheeUid());
                case IDENTIFY -> {
                    ActorRef<?> local = refs.localForWatch(f.watchee(), 0);
                    int found = local == null ? 0 : ActorSystemInternals.actorUid(local);
                    agent.sendSystem(node, new ControlCodec.SystemFrame(0, ControlCodec.SystemKind.IDENTITY, found,
                            f.watchee(), 0, f.watcher()));
                }
                case IDENTITY -> identity(node, f);
                case REGISTER, DEREGISTER -> receptionist.announcement(node, f);
                default -> drops.dropped("unknown system message", f.kind() + " from " + node);
            }
        }

        private void identity(NodeAddress node, ControlCodec.SystemFrame f) {
            if (!f.watcher().startsWith(LOOKUP_PREFIX)) {
                drops.dropped("malformed lookup answer", f.watcher() + " from " + node);
                return;
            }
            long id;
            try {
                id = Long.parseLong(f.watcher().substring(LOOKUP_PREFIX.length()));
            } catch (NumberFormatException e) {
                drops.dropped("malformed lookup answer", f.watcher() + " from " + node);
                return;
            }
            Lookup l = lookups.get(id);
            if (l == null || !l.node().equals(node)) {
                return; // timed out meanwhile
            }
            if (f.watcheeUid() == 0) {
                l.promise().fail(new ActorTerminatedException("no actor at " + node + l.path()));
            } else {
                l.promise().complete(new RemoteActorRef<>(RemoteActors.this, node, l.path(), f.watcheeUid()));
            }
        }

        @Override
        public void userFrame(NodeAddress node, long nodeUid, DirectBuffer buffer, int offset, int length) {
            UserFrame.Envelope e;
            try {
                e = UserFrame.read(buffer, offset, length);
            } catch (MalformedFrameException x) {
                drops.dropped("malformed user frame", x.getMessage() + " from " + node);
                return;
            }
            Object message;
            try {
                message = serializer.read(buffer, e.payloadOffset(), e.payloadLength());
            } catch (SerializationException x) {
                drops.dropped("undecodable message", x.getMessage() + " from " + node + " for " + e.path());
                return;
            }
            ActorRef<Object> target = refs.takeLocal(e.path(), e.recipientUid());
            if (target == null) {
                ActorSystemInternals.deadLetter(system, message, address + e.path() + "#" + e.recipientUid(),
                        "no actor at this path (sent from " + node + ")");
                if (e.askId() != 0) {
                    agent.sendNoRecipient(node, e.askId());
                }
                return;
            }
            try {
                target.tell(message);
            } catch (RuntimeException x) {
                ActorSystemInternals.deadLetter(system, message, target.path(), x.toString());
            }
        }

        @Override
        public void noRecipient(NodeAddress node, long askId) {
            asks.noRecipient(askId);
        }
    }
}
