package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.remote.RemoteActors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * Two KvServer nodes in one JVM (two actor systems, each with its remote side on 127.0.0.1), the
 * store's 4 shards spread over them (2 each), driven by a real Redis client through either node.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvClusterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String COOKIE = "kv-cluster-test-cookie-0123456789";
    private static final int SHARDS_PER_NODE = 2;
    private static final int TOTAL = 2 * SHARDS_PER_NODE;

    @TempDir
    Path dir;
    private final List<ActorSystem> systems = new ArrayList<>();
    private final List<Jedis> clients = new ArrayList<>();

    /** A started node: its system, its server. */
    private record Node(ActorSystem system, KvServer.Running server) {
        String address() {
            return RemoteActors.of(system).address().toString();
        }
    }

    @AfterEach
    void closeEverything() {
        for (Jedis j : clients) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // the server may have closed it
            }
        }
        systems.forEach(ActorSystem::close);
    }

    private KvServer.Config config(int index, List<String> seeds, FsyncPolicy fsync) {
        return KvServer.Config.defaults(dir.resolve("node" + index)).withShards(SHARDS_PER_NODE).withFsync(fsync)
                .withCluster(KvServer.Cluster.of("127.0.0.1", 0, seeds, 2, index, COOKIE)
                        .withJoinTimeout(DEADLINE).withRemoteTimeout(Duration.ofSeconds(3)));
    }

    /** Starts node 0 and node 1 (node 1 seeded with node 0's address); node 1 journals with fsync always. */
    private Node[] startPair() throws Exception {
        KvServer.Config c0 = config(0, List.of(), FsyncPolicy.EVERYSEC);
        ActorSystem s0 = KvServer.newSystem(c0);
        systems.add(s0);
        // node 0 waits for node 1's shards before it listens: start it beside
        CompletableFuture<KvServer.Running> r0 = CompletableFuture.supplyAsync(() -> KvServer.start(s0, c0));
        Node n1 = startNode(1, List.of(RemoteActors.of(s0).address().toString()), FsyncPolicy.ALWAYS);
        Node n0 = new Node(s0, r0.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        return new Node[] {n0, n1};
    }

    private Node startNode(int index, List<String> seeds, FsyncPolicy fsync) {
        KvServer.Config c = config(index, seeds, fsync);
        ActorSystem s = KvServer.newSystem(c);
        systems.add(s);
        return new Node(s, KvServer.start(s, c));
    }

    private Jedis client(Node node) {
        Jedis j = new Jedis("127.0.0.1", node.server().port(), 10_000);
        clients.add(j);
        return j;
    }

    /** A key that node {@code index} owns. */
    private static String keyOwnedBy(int index, String prefix) {
        for (int i = 0; ; i++) {
            String k = prefix + i;
            if (BinaryKey.of(k).shard(TOTAL) / SHARDS_PER_NODE == index) {
                return k;
            }
        }
    }

    // ------------------------------------------------------------------ flags

    private static KvServer.Config parse(Map<String, String> env, String... args) throws KvServerFlags.UsageException {
        return KvServerFlags.parse(args, env);
    }

    @Test
    void clusterFlagsMakeANodeOfACluster() throws Exception {
        KvServer.Config c = parse(Map.of(), "--data", "d", "--shards", "3", "--node-port", "7101",
                "--seed", "kabuki://kv@127.0.0.1:7100,kabuki://kv@127.0.0.1:7102", "--seed=kabuki://kv@10.0.0.9:7103",
                "--nodes", "4", "--node-index", "1", "--cookie", "a-secret-of-16-chars");
        KvServer.Cluster cl = c.cluster();
        assertThat(cl.nodeHost()).isEqualTo("127.0.0.1");
        assertThat(cl.nodePort()).isEqualTo(7101);
        assertThat(cl.seeds()).containsExactly("kabuki://kv@127.0.0.1:7100", "kabuki://kv@127.0.0.1:7102",
                "kabuki://kv@10.0.0.9:7103");
        assertThat(cl.cookie()).isEqualTo("a-secret-of-16-chars");
        assertThat(c.totalShards()).isEqualTo(12);
        assertThat(c.firstShard()).isEqualTo(3);
        assertThat(parse(Map.of(), "--data", "d").cluster()).isNull();
        assertThat(parse(Map.of("KABUKI_COOKIE", "from-the-environment"), "--data", "d", "--node-port", "7100",
                "--nodes", "1", "--node-index", "0").cluster().cookie()).isEqualTo("from-the-environment");
        assertThat(parse(Map.of(), "--data", "d", "--node-port", "7100", "--node-host", "10.0.0.1", "--nodes", "2",
                "--node-index", "0").cluster()).satisfies(n -> {
                    assertThat(n.cookie()).isEqualTo(KvCluster.DEMO_COOKIE);
                    assertThat(n.nodeHost()).isEqualTo("10.0.0.1");
                });
    }

    @Test
    void badClusterFlagsSayWhatIsWrong() {
        String[][] bad = {
                {"--seed", "kabuki://kv@127.0.0.1:7100"},
                {"--nodes", "2"},
                {"--node-port", "7101"},
                {"--node-port", "7101", "--nodes", "2"},
                {"--node-port", "7101", "--nodes", "2", "--node-index", "2", "--seed", "kabuki://kv@127.0.0.1:7100"},
                {"--node-port", "7101", "--nodes", "2", "--node-index", "1"},
                {"--node-port", "7101", "--nodes", "2", "--node-index", "1", "--seed", "kabuki://other@127.0.0.1:7100"},
                {"--node-port", "7101", "--nodes", "2", "--node-index", "1", "--seed", "127.0.0.1:7100"},
                {"--node-port", "7101", "--nodes", "1", "--node-index", "0", "--cookie", "short"},
                {"--node-port", "0", "--nodes", "1", "--node-index", "0"},
                {"--node-port", "7101", "--nodes", "0", "--node-index", "0"},
        };
        String[] why = {"need --node-port", "need --node-port", "needs --nodes N and --node-index I",
                "needs --nodes N and --node-index I", "--node-index must be between 0 and 1", "needs --seed",
                "must name system 'kv'", "--seed:", "at least 16 characters", "--node-port must be between 1 and 65535",
                "--nodes must be between 1 and 64"};
        for (int i = 0; i < bad.length; i++) {
            List<String> args = new ArrayList<>(List.of("--data", "d"));
            args.addAll(List.of(bad[i]));
            assertThatThrownBy(() -> parse(Map.of(), args.toArray(String[]::new))).as("%s", args)
                    .isInstanceOf(KvServerFlags.UsageException.class).hasMessageContaining(why[i]);
        }
        assertThatThrownBy(() -> parse(Map.of("KABUKI_COOKIE", "short"), "--data", "d", "--node-port", "7100",
                "--nodes", "1", "--node-index", "0")).hasMessageContaining("KABUKI_COOKIE");
    }

    // ------------------------------------------------------------------ journal

    /** Node 1 of 2 with 2 shards each: it restores the keys of global shards 2 and 3 only. */
    @Test
    void aNodesReplayUsesGlobalShardIndices() {
        Keyspace[] mine = {new Keyspace(), new Keyspace()};
        KeyspaceRestorer restorer = new KeyspaceRestorer(mine, 2, TOTAL, 0);
        String theirs = keyOwnedBy(0, "theirs");
        String on2 = null;
        String on3 = null;
        for (int i = 0; on2 == null || on3 == null; i++) {
            String k = "k" + i;
            int shard = BinaryKey.of(k).shard(TOTAL);
            if (shard == 2 && on2 == null) {
                on2 = k;
            } else if (shard == 3 && on3 == null) {
                on3 = k;
            }
        }
        byte[] v = {1};
        restorer.accept(new JournalRecord.Put(on2.getBytes(StandardCharsets.UTF_8), v, Keyspace.NEVER));
        restorer.accept(new JournalRecord.Put(on3.getBytes(StandardCharsets.UTF_8), v, Keyspace.NEVER));
        restorer.accept(new JournalRecord.Put(theirs.getBytes(StandardCharsets.UTF_8), v, Keyspace.NEVER));
        assertThat(mine[0].get(BinaryKey.of(on2), 0)).isNotNull();
        assertThat(mine[1].get(BinaryKey.of(on3), 0)).isNotNull();
        assertThat(restorer.foreignRecords()).isEqualTo(1);
        restorer.accept(new JournalRecord.FlushShard(3, TOTAL)); // FLUSHALL's record names the global shard
        assertThat(mine[0].size()).isEqualTo(1);
        assertThat(mine[1].size()).isZero();
        restorer.accept(new JournalRecord.FlushShard(0, TOTAL)); // another node's shard: nothing here
        assertThat(mine[0].size()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ two nodes

    @Test
    void eachNodeAnnouncesItsPlaceAndOwnsItsShards() throws Exception {
        Node[] n = startPair();
        assertThat(n[0].server().clusterLine())
                .isEqualTo("cluster: node 0 of 2 at " + n[0].address() + ", shards 0-1 local");
        assertThat(n[1].server().clusterLine())
                .isEqualTo("cluster: node 1 of 2 at " + n[1].address() + ", shards 2-3 local");
    }

    @Test
    void aKeySetThroughOneNodeIsReadThroughTheOther() throws Exception {
        Node[] n = startPair();
        Jedis a = client(n[0]);
        Jedis b = client(n[1]);
        for (int i = 0; i < 100; i++) {
            assertThat(a.set("key" + i, "value" + i)).isEqualTo("OK");
        }
        for (int i = 100; i < 200; i++) {
            assertThat(b.set("key" + i, "value" + i)).isEqualTo("OK");
        }
        for (int i = 0; i < 200; i++) {
            assertThat(b.get("key" + i)).as("key%d via node 1", i).isEqualTo("value" + i);
            assertThat(a.get("key" + i)).as("key%d via node 0", i).isEqualTo("value" + i);
        }
        assertThat(a.dbSize()).isEqualTo(200);
        assertThat(b.dbSize()).isEqualTo(200);
        long on0 = n[0].server().localKeyCount();
        long on1 = n[1].server().localKeyCount();
        assertThat(on0 + on1).isEqualTo(200);
        assertThat(on0).as("keys on node 0").isBetween(50L, 150L);
        assertThat(on1).as("keys on node 1").isBetween(50L, 150L);
    }

    @Test
    void multiKeyCommandsScatterOverBothNodes() throws Exception {
        Node[] n = startPair();
        Jedis a = client(n[0]);
        Jedis b = client(n[1]);
        String[] pairs = new String[100];
        String[] keys = new String[50];
        String[] values = new String[50];
        for (int i = 0; i < 50; i++) {
            keys[i] = "m" + i;
            values[i] = "v" + i;
            pairs[2 * i] = keys[i];
            pairs[2 * i + 1] = values[i];
        }
        assertThat(a.mset(pairs)).isEqualTo("OK");
        assertThat(b.mget(keys)).containsExactly(values);
        String[] withMissing = {"m7", "nope", "m42", "m0"};
        assertThat(a.mget(withMissing)).containsExactly("v7", null, "v42", "v0");
        assertThat(b.exists(keys)).isEqualTo(50);
        assertThat(b.del(keys)).isEqualTo(50);
        assertThat(a.exists(keys)).isZero();
        assertThat(a.dbSize()).isZero();
        assertThat(a.mset("x1", "1", "x2", "2", "x3", "3", "x4", "4")).isEqualTo("OK");
        assertThat(b.flushAll()).isEqualTo("OK");
        assertThat(a.dbSize()).isZero();
    }

    /** Every op and reply type of a shard crosses the wire (Fory with the allow-list) and back. */
    @Test
    void everyShardOpAndReplyCrossesTheWire() throws Exception {
        Node[] n = startPair();
        Jedis a = client(n[0]);
        String k = keyOwnedBy(1, "remote");
        String counter = keyOwnedBy(1, "counter");
        assertThat(a.set(k, "first", SetParams.setParams().nx())).isEqualTo("OK");
        assertThat(a.set(k, "second", SetParams.setParams().nx())).isNull();
        assertThat(a.set(k, "third", SetParams.setParams().xx().px(60_000))).isEqualTo("OK");
        assertThat(new String((byte[]) a.sendCommand(Protocol.Command.SET, k, "fourth", "GET", "KEEPTTL"),
                StandardCharsets.UTF_8)).isEqualTo("third");
        assertThat(a.get(k)).isEqualTo("fourth");
        assertThat(a.strlen(k)).isEqualTo(6);
        assertThat(a.pttl(k)).isBetween(1L, 60_000L);
        assertThat(a.ttl(k)).isBetween(1L, 60L);
        assertThat(a.incrBy(counter, 41)).isEqualTo(41);
        assertThat(a.decr(counter)).isEqualTo(40);
        assertThatThrownBy(() -> a.incr(k)).isInstanceOf(JedisDataException.class)
                .hasMessageContaining("not an integer");
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        byte[] binaryKey = keyOwnedBy(1, "bin").getBytes(StandardCharsets.UTF_8);
        assertThat(a.set(binaryKey, binary)).isEqualTo("OK");
        assertThat(client(n[1]).get(binaryKey)).isEqualTo(binary);
        assertThat(a.get(binaryKey)).isEqualTo(binary);
        assertThat(a.del(k, counter)).isEqualTo(2);
        assertThat(a.exists(k)).isFalse();
    }

    @Test
    void aNodeThatIsDownAnswersAnErrorForItsShardsAndTheOthersStillWork() throws Exception {
        Node[] n = startPair();
        Jedis a = client(n[0]);
        String remote = keyOwnedBy(1, "theirs");
        String local = keyOwnedBy(0, "mine");
        assertThat(a.set(remote, "r")).isEqualTo("OK");
        assertThat(a.set(local, "l")).isEqualTo("OK");

        n[1].system().close();

        long start = System.nanoTime();
        assertThatThrownBy(() -> a.get(remote)).isInstanceOf(JedisDataException.class)
                .hasMessageMatching("ERR shard [23] unavailable \\(node kabuki://kv@127\\.0\\.0\\.1:\\d+.*\\)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(a.get(local)).isEqualTo("l");
        assertThatThrownBy(() -> a.mget(local, remote)).isInstanceOf(JedisDataException.class)
                .hasMessageContaining("unavailable");
        assertThatThrownBy(a::dbSize).isInstanceOf(JedisDataException.class).hasMessageContaining("unavailable");
        assertThat(a.ping()).isEqualTo("PONG");
    }

    @Test
    void aRestartedNodeReplaysItsJournalAndIsFoundAgain() throws Exception {
        Node[] n = startPair();
        Jedis a = client(n[0]);
        for (int i = 0; i < 50; i++) {
            a.set("key" + i, "value" + i);
        }
        long onNode1 = n[1].server().localKeyCount();
        assertThat(onNode1).isPositive();
        n[1].system().close();

        Node again = startNode(1, List.of(n[0].address()), FsyncPolicy.ALWAYS);
        assertThat(again.server().localKeyCount()).isEqualTo(onNode1);
        // node 0's directory picks up the new incarnation's shards within about a second
        await().atMost(DEADLINE).ignoreExceptions().until(() -> a.dbSize() == 50);
        Jedis b = client(again);
        for (int i = 0; i < 50; i++) {
            assertThat(a.get("key" + i)).isEqualTo("value" + i);
            assertThat(b.get("key" + i)).isEqualTo("value" + i);
        }
    }
}
