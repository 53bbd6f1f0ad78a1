package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.remote.Listing;
import dev.kabuki.remote.RemoteActors;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a cluster node's {@link ShardTable} in step with the receptionist: every node registers
 * its shard actors under {@link KvCluster#SHARDS}, each named {@code shard-<global index>}, and
 * this actor subscribes to that key's {@link Listing} ({@link RemoteActors#subscribe}: the
 * listing now, then after every change) and puts each other node's shard at its index. A node
 * that restarts is picked up as soon as its new incarnation announces its shards; a node that
 * goes down keeps its last refs in the table, so requests for its shards fail at once
 * ({@code RemoteNodeDownException}) instead of finding nothing.
 */
final class ShardDirectory implements Actor<Listing<ShardMsg>> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardDirectory.class);
    private static final Pattern SHARD_NAME = Pattern.compile("/shard-(\\d+)$");

    private final RemoteActors remote;
    private final ShardTable table;
    private final CompletableFuture<Void> complete;
    private final Set<String> warned = new HashSet<>();

    /**
     * @param complete completed once every shard of the cluster is known
     */
    ShardDirectory(RemoteActors remote, ShardTable table, CompletableFuture<Void> complete) {
        this.remote = remote;
        this.table = table;
        this.complete = complete;
    }

    /** The global index in a shard actor's path ({@code .../shard-7}), or -1. */
    static int shardIndex(ActorRef<?> ref) {
        Matcher m = SHARD_NAME.matcher(ref.path());
        if (!m.find()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void onStart(ActorContext<Listing<ShardMsg>> ctx) {
        remote.subscribe(KvCluster.SHARDS, ctx.self()); // ends when this actor stops
    }

    @Override
    public void receive(ActorContext<Listing<ShardMsg>> ctx, Listing<ShardMsg> listing) {
        for (ActorRef<ShardMsg> ref : listing.refs()) {
            int shard = shardIndex(ref);
            if (shard < 0 || shard >= table.size()) {
                if (warned.add(ref.path())) {
                    LOG.warn("cluster: ignoring shard {} announced at {}: this cluster has shards 0-{} (same --nodes"
                        + " and --shards on every node?)", shard, ref.path(), table.size() - 1);
                }
                continue;
            }
            if (table.isLocal(shard)) {
                if (!ref.equals(table.get(shard)) && warned.add(ref.path())) {
                    LOG.warn("cluster: shard {} is announced at {} but runs here: two nodes with the same"
                            + " --node-index?", shard, ref.path());
                }
                continue;
            }
            if (table.setRemote(shard, ref) && complete.isDone()) {
                LOG.info("cluster: shard {} is now at {}", shard, ref.path());
            }
        }
        if (!complete.isDone() && table.known() == table.size()) {
            complete.complete(null);
        }
    }
}
