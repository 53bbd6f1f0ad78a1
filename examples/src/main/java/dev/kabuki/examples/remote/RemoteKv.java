package dev.kabuki.examples.remote;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.remote.Listing;
import dev.kabuki.remote.RemoteActors;
import dev.kabuki.remote.RemoteSettings;
import dev.kabuki.remote.ServiceKey;
import dev.kabuki.scheduler.JoinHandle;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A key-value store sharded over two nodes: each node runs one shard actor and registers it with
 * the receptionist; a client on any node finds every shard, orders them the same way everywhere
 * (by address), and sends each key to the shard its hash picks, local or remote, with the same
 * {@code tell} and {@code ask}.
 *
 * <p>Run: {@code mvn -q -DskipTests -P run-example -pl examples -am verify
 * -Dexample=dev.kabuki.examples.remote.RemoteKv}. It starts both nodes in this JVM (each with its
 * own remote side on 127.0.0.1, as two machines would), writes ten keys through node 1, reads
 * them back through node 2, and prints which node holds each.
 */
public final class RemoteKv {
    /** What a shard understands. */
    public sealed interface KvMsg {
    }

    /** Store {@code value} under {@code key}; the shard answers {@link Stored}. */
    public record Put(String key, String value, ActorRef<KvReply> replyTo) implements KvMsg {
    }

    /** Read {@code key}; the shard answers {@link Value}. */
    public record Get(String key, ActorRef<KvReply> replyTo) implements KvMsg {
    }

    /** What a shard answers. */
    public sealed interface KvReply {
    }

    /** Stored, by the shard at {@code shard}. */
    public record Stored(String shard) implements KvReply {
    }

    /** The value (empty if none), from the shard at {@code shard}. */
    public record Value(Optional<String> value, String shard) implements KvReply {
    }

    /** The receptionist key the shards register under. */
    public static final ServiceKey<KvMsg> SHARDS = ServiceKey.of("kv-shards", KvMsg.class);

    /** One shard's store: a plain map, touched only by its actor. */
    static final class Shard implements Actor<KvMsg> {
        private final Map<String, String> store = new HashMap<>();
        private final String me;

        Shard(String me) {
            this.me = me;
        }

        @Override
        public void receive(ActorContext<KvMsg> ctx, KvMsg msg) {
            switch (msg) {
                case Put p -> {
                    store.put(p.key(), p.value());
                    p.replyTo().tell(new Stored(me));
                }
                case Get g -> g.replyTo().tell(new Value(Optional.ofNullable(store.get(g.key())), me));
            }
        }
    }

    /** Routes keys to the shards a node knows of; every node orders them the same way. */
    static final class KvClient {
        private final List<ActorRef<KvMsg>> shards;

        KvClient(RemoteActors remote) {
            List<ActorRef<KvMsg>> found = new ArrayList<>(remote.find(SHARDS));
            found.sort(Comparator.comparing(r -> fullPath(remote, r)));
            this.shards = List.copyOf(found);
        }

        private static String fullPath(RemoteActors remote, ActorRef<?> r) {
            return r.path().startsWith("/") ? remote.address() + r.path() : r.path();
        }

        ActorRef<KvMsg> shardFor(String key) {
            return shards.get(Math.floorMod(key.hashCode(), shards.size()));
        }

        JoinHandle<KvReply> put(String key, String value) {
            return shardFor(key).ask(r -> new Put(key, value, r), Duration.ofSeconds(5));
        }

        JoinHandle<KvReply> get(String key) {
            return shardFor(key).ask(r -> new Get(key, r), Duration.ofSeconds(5));
        }
    }

    /** A node: an actor system with its remote side, one shard registered. */
    record Node(ActorSystem system, RemoteActors remote) implements AutoCloseable {
        static Node start(String name, List<String> seeds) {
            ActorSystem system = ActorSystem.builder().name(name)
                    .remote(RemoteSettings.bind("127.0.0.1", 0)
                            .seedNodes(seeds.toArray(String[]::new))
                            .allow(KvMsg.class, KvReply.class)
                            .cookie(System.getenv().getOrDefault("KABUKI_COOKIE", "kabuki-remote-kv-demo-cookie")))
                    .build();
            RemoteActors remote = RemoteActors.of(system);
            String me = remote.address() + "/user/shard";
            remote.register(SHARDS, system.spawnActor("shard", () -> new Shard(me)));
            return new Node(system, remote);
        }

        /** Waits (at most 30 s) until this node knows {@code n} shards. */
        void awaitShards(int n) throws InterruptedException {
            CountDownLatch known = new CountDownLatch(1);
            // The receptionist sends the shards' listing now and after every change.
            ActorRef<Listing<KvMsg>> watcher = system.spawnActor("shard-watch", () -> (ctx, listing) -> {
                if (listing.refs().size() >= n) {
                    known.countDown();
                    ctx.stopSelf(); // which ends the subscription
                }
            });
            remote.subscribe(SHARDS, watcher);
            if (!known.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(system.name() + " knows " + remote.find(SHARDS).size()
                        + " shard(s) after 30 s, expected " + n);
            }
        }

        @Override
        public void close() {
            system.close();
        }
    }

    /** Runs the demo, printing to {@code out}; returns how many keys each node's shard holds. */
    static Map<String, Integer> runDemo(PrintStream out) throws InterruptedException {
        Map<String, Integer> perShard = new HashMap<>();
        try (Node one = Node.start("kv1", List.of());
             Node two = Node.start("kv2", List.of(one.remote().address().toString()))) {
            one.awaitShards(2);
            two.awaitShards(2);
            out.println("node 1 at " + one.remote().address() + ", node 2 at " + two.remote().address());
            KvClient viaOne = new KvClient(one.remote());
            KvClient viaTwo = new KvClient(two.remote());
            for (int i = 0; i < 10; i++) {
                Stored s = (Stored) viaOne.put("key" + i, "value" + i).join(Duration.ofSeconds(10));
                out.println("put key" + i + " -> " + s.shard());
                perShard.merge(s.shard().contains("kv1") ? "kv1" : "kv2", 1, Integer::sum);
            }
            for (int i = 0; i < 10; i++) {
                Value v = (Value) viaTwo.get("key" + i).join(Duration.ofSeconds(10));
                out.println("get key" + i + " = " + v.value().orElse("(none)") + " from " + v.shard());
                if (!v.value().equals(Optional.of("value" + i))) {
                    throw new IllegalStateException("key" + i + " read back as " + v.value());
                }
            }
        }
        return perShard;
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, Integer> perShard = runDemo(System.out);
        System.out.println("keys per node: " + perShard);
    }

    private RemoteKv() {
    }
}
