package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.net.TcpConnection;
import dev.kabuki.net.TcpEvent;
import dev.kabuki.remote.RemoteNodeDownException;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;

/**
 * The handler actor of one client connection: plans each decoded command, sends it to the
 * shard (or shards) owning its keys, and writes the replies in request order.
 *
 * <h2>Ordering</h2>
 * Each request takes the next sequence number in a {@link ReplyReorderBuffer}, whatever answers
 * it (this actor at once, one shard, several). Replies leave from the buffer's head only, so a
 * pipelining client reads them in the order it sent its commands even when a later command's
 * shard answers first.
 *
 * <h2>Batching writes</h2>
 * Ready replies are queued on the connection ({@link TcpConnection#queue}) as they become
 * ready; the flush comes when nothing else waits in the mailbox, or else from a
 * {@link KvConnMsg.FlushReplies} told to itself, which arrives after the messages waiting now:
 * one flush (one gathering socket write) per batch of messages instead of one per reply.
 *
 * <h2>Shards on other nodes</h2>
 * In a cluster ({@link KvCluster}) a shard may run on another node. A local shard gets a
 * {@code tell} as outside a cluster; a remote one gets an {@code ask} whose reply address stands
 * in for this actor, since a remote {@code tell} is at most once and a node may die with the
 * request: the ask fails at once when the shard's node is known to be down
 * ({@link RemoteNodeDownException}), and after {@code remoteTimeout} when the request or its
 * reply is lost, so every request is answered, with {@code -ERR shard N unavailable (...)} if
 * not by its shard. The ask's outcome comes back to this actor as an ordinary
 * {@link KvConnMsg.ShardReply}, and the reorder buffer does the rest.
 *
 * <h2>Closing</h2>
 * QUIT and a protocol error are answered like any request, in order; once that answer is queued
 * the connection is closed gracefully (queued replies are flushed first), and nothing the client
 * sent after it is executed.
 */
final class KvConnection implements Actor<KvConnMsg> {
    private final TcpConnection<RespFrame> conn;
    private final ShardTable shards;
    private final Duration remoteTimeout;
    private final CommandPlanner planner;
    private final ClientState client;
    private final ReplyReorderBuffer replies = new ReplyReorderBuffer();
    private ActorRef<KvConnMsg> self;
    /** The sequence number whose reply is the last one: QUIT's, or a protocol error's; -1 if none. */
    private long lastSeq = -1;
    private boolean unflushed;
    private boolean flushTold;

    KvConnection(TcpConnection<RespFrame> conn, ShardTable shards, Duration remoteTimeout, CommandPlanner planner) {
        this.conn = conn;
        this.shards = shards;
        this.remoteTimeout = remoteTimeout;
        this.planner = planner;
        this.client = new ClientState(conn.id());
    }

    @Override
    public void onStart(ActorContext<KvConnMsg> ctx) {
        self = ctx.self();
    }

    @Override
    public void receive(ActorContext<KvConnMsg> ctx, KvConnMsg msg) {
        switch (msg) {
            case KvConnMsg.Net(TcpEvent<RespFrame> event) -> {
                if (event instanceof TcpEvent.Received<RespFrame>(RespFrame frame) && lastSeq < 0) {
                    request(frame);
                }
            }
            case KvConnMsg.ShardReply r -> replies.complete(r.seq(), r.part(), r.reply());
            case KvConnMsg.FlushReplies f -> {
                flushTold = false;
                flush();
                return;
            }
        }
        writeReady();
    }

    private void request(RespFrame frame) {
        switch (frame) {
            case RespRequest.Command c -> execute(planner.plan(c, client));
            case RespRequest.ProtocolError e ->
                    lastSeq = replies.ready(RespReply.err("Protocol error: " + e.message()));
            case RespReply r -> throw new IllegalStateException("the decoder returned a reply: " + r);
        }
    }

    private void execute(Plan plan) {
        switch (plan) {
            case Plan.Reply r -> replies.ready(r.reply());
            case Plan.ReplyAndClose r -> lastSeq = replies.ready(r.reply());
            case Plan.Single s -> send(s.shard(), s.op(), replies.reserve(), 0);
            case Plan.Scatter s -> {
                long seq = replies.reserve(s.gather());
                for (int part = 0; part < s.shards().length; part++) {
                    send(s.shards()[part], s.ops()[part], seq, part);
                }
            }
        }
    }

    private void send(int shard, ShardOp op, long seq, int part) {
        ActorRef<ShardMsg> ref = shards.get(shard);
        if (ref == null) {
            replies.complete(seq, part, RespReply.err("shard " + shard + " unavailable (no node has announced it)"));
        } else if (shards.isLocal(shard)) {
            if (!ref.tryTell(new ShardMsg.Request(op, seq, part, self))) {
                replies.complete(seq, part, RespReply.err("shard " + shard + " is not running (the server is stopping)"));
            }
        } else {
            JoinHandle<KvConnMsg.ShardReply> answer;
            try {
                answer = ref.ask(replyTo -> new ShardMsg.Request(op, seq, part, replyTo), remoteTimeout);
            } catch (RuntimeException e) { // cannot be sent at all (too large, not serializable)
                replies.complete(seq, part, RespReply.err("shard " + shard + " unreachable: " + e.getMessage()));
                return;
            }
            answer.whenComplete((reply, failure) -> self.tell(failure == null ? reply
                    : new KvConnMsg.ShardReply(seq, part, unavailable(shard, ref, failure))));
        }
    }

    /** The error for a remote shard's failed ask: its node is down, or no answer in time. */
    private RespReply unavailable(int shard, ActorRef<ShardMsg> ref, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RemoteNodeDownException down) {
                return RespReply.err("shard " + shard + " unavailable (node " + down.node() + " down)");
            }
        }
        String path = ref.path();
        String node = path.contains("/user/") ? path.substring(0, path.indexOf("/user/")) : path;
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String why = root instanceof TaskTimeoutException || root instanceof JoinTimeoutException
                ? "no answer within " + remoteTimeout.toMillis() + " ms" : String.valueOf(root.getMessage());
        return RespReply.err("shard " + shard + " unavailable (node " + node + ": " + why + ")");
    }

    /** Queues the replies ready in order, and flushes now or after the messages waiting. */
    private void writeReady() {
        RespReply reply;
        while ((reply = replies.pollReady()) != null) {
            long seq = replies.next() - 1;
            if (!conn.queue(reply)) {
                return; // closing or closed: the Closed event follows
            }
            unflushed = true;
            if (seq == lastSeq) {
                conn.close(); // flushes what is queued first
                return;
            }
        }
        if (unflushed) {
            if (self.mailboxDepth() == 0) {
                flush();
            } else if (!flushTold) {
                flushTold = true;
                self.tell(KvConnMsg.FlushReplies.INSTANCE);
            }
        }
    }

    private void flush() {
        if (unflushed) {
            unflushed = false;
            conn.flush();
        }
    }
}
