package dev.kabuki.examples.net;

import dev.kabuki.remote.RemoteSettings;
import dev.kabuki.remote.ServiceKey;

/**
 * What a {@link KvServer} cluster node shares with the others: the receptionist key its shards
 * register under, the message types that cross the wire, and the remote settings built from a
 * {@link KvServer.Cluster}.
 *
 * <p>On the wire travel only a shard's request ({@link ShardMsg.Request}: a {@link ShardOp} on
 * {@link BinaryKey}s and values, the request's number and part, and the reply address) and its
 * answer ({@link KvConnMsg.ShardReply} holding a {@link RespReply}). The connection's own
 * messages ({@code KvConnMsg.Net} with its TCP event) never leave a node: {@code ShardReply} is
 * allowed alone, not its sealed root.
 */
final class KvCluster {
    /** The actor system's name on every node: addresses are {@code kabuki://kv@host:port}. */
    static final String SYSTEM_NAME = "kv";
    /** The receptionist key of every node's shard actors ({@code shard-<global index>}). */
    static final ServiceKey<ShardMsg> SHARDS = ServiceKey.of("kv-server-shards", ShardMsg.class);
    /** A cookie for trying the cluster out; a warning says so when it is used. */
    static final String DEMO_COOKIE = "kabuki-kv-cluster-demo-cookie";

    private KvCluster() {
    }

    /** The types allowed on the wire, the same on every node. */
    static Class<?>[] allowedTypes() {
        return new Class<?>[] {ShardMsg.class, ShardOp.class, ShardOp.Condition.class, BinaryKey.class,
                KvConnMsg.ShardReply.class, RespReply.class};
    }

    /** The remote side of a node: where it listens, its seeds, the allow-list and the cookie. */
    static RemoteSettings remoteSettings(KvServer.Cluster cluster) {
        return RemoteSettings.bind(cluster.nodeHost(), cluster.nodePort())
                .seedNodes(cluster.seeds().toArray(String[]::new))
                .allow(allowedTypes())
                .cookie(cluster.cookie());
    }
}
