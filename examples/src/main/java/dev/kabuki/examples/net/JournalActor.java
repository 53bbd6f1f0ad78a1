package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorOptions;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.SupervisorStrategy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every applied write to the journal file and makes it durable; spawn it on the
 * blocking dispatcher ({@link ActorOptions#runOnBlockingDispatcher()}), since it writes and
 * fsyncs.
 *
 * <h2>The shards are its children</h2>
 * An actor's children stop before its own {@code onStop} runs. So at any stop (the system's
 * shutdown included) every shard has stopped, and so appended its last entry, before the
 * journal's {@code onStop} writes what is left in the {@link JournalAppendQueue}, fsyncs and
 * closes the file: nothing a shard applied is left out of the file by a clean stop.
 *
 * <h2>Batches</h2>
 * One {@link JournalMsg.Drain} takes everything queued, in batches: each batch is one
 * gathering write, then with {@link FsyncPolicy#ALWAYS} one fsync for the whole batch (group
 * commit) and the replies that waited for it; with {@link FsyncPolicy#EVERYSEC} a keyed timer
 * fsyncs once a second if anything was written since.
 *
 * <h2>Failure</h2>
 * An I/O error is logged once at ERROR and recorded in the queue; from then on the shards refuse
 * writes, and replies waiting for an fsync get an error. It never throws for I/O.
 */
final class JournalActor implements Actor<JournalMsg> {
    private static final Logger LOG = LoggerFactory.getLogger(JournalActor.class);
    /** Entries per batch. */
    private static final int BATCH = 4096;
    private static final Duration FSYNC_INTERVAL = Duration.ofSeconds(1);

    private final JournalFile file;
    private final JournalAppendQueue queue;
    private final FsyncPolicy policy;
    private final int firstShard;
    private final int shardCount;
    private final ShardFactory shardFactory;
    private final CompletableFuture<Void> closed;

    private final List<JournalEntry> batch = new ArrayList<>();
    private ByteBuffer[] buffers = new ByteBuffer[256];
    private boolean unsynced;
    private long droppedAfterFailure;
    private List<ActorRef<ShardMsg>> shards = List.of();

    /** Makes shard {@code i} (its global index), given the journal's own address. */
    interface ShardFactory {
        Actor<ShardMsg> make(int shard, ActorRef<JournalMsg> journal);
    }

    /**
     * @param firstShard the global index of this node's first shard (0 outside a cluster); the
     *                   children are {@code shard-<global index>}
     * @param shardCount how many shards this node runs
     * @param closed     completed once the file is closed (at the end of {@code onStop})
     */
    JournalActor(JournalFile file, JournalAppendQueue queue, FsyncPolicy policy, int firstShard, int shardCount,
                 ShardFactory shardFactory, CompletableFuture<Void> closed) {
        this.file = file;
        this.queue = queue;
        this.policy = policy;
        this.firstShard = firstShard;
        this.shardCount = shardCount;
        this.shardFactory = shardFactory;
        this.closed = closed;
    }

    @Override
    public void onStart(ActorContext<JournalMsg> ctx) {
        List<ActorRef<ShardMsg>> spawned = new ArrayList<>(shardCount);
        ActorRef<JournalMsg> self = ctx.self();
        // A shard that throws outside its own catch keeps its keyspace: resume, never restart.
        ActorOptions shardOptions = ActorOptions.defaults().supervision(SupervisorStrategy.resume());
        for (int i = 0; i < shardCount; i++) {
            int shard = firstShard + i;
            spawned.add(ctx.spawn("shard-" + shard, () -> shardFactory.make(shard, self), shardOptions));
        }
        shards = List.copyOf(spawned);
        if (policy == FsyncPolicy.EVERYSEC) {
            ctx.startTimerAtFixedRate("fsync", JournalMsg.SyncTick.INSTANCE, FSYNC_INTERVAL, FSYNC_INTERVAL);
        }
    }

    @Override
    public void receive(ActorContext<JournalMsg> ctx, JournalMsg msg) {
        switch (msg) {
            case JournalMsg.Drain d -> drain();
            case JournalMsg.SyncTick t -> sync();
            case JournalMsg.GetShards g -> g.replyTo().tell(shards);
        }
    }

    @Override
    public void onStop(ActorContext<JournalMsg> ctx) {
        try {
            drain();
            sync();
        } finally {
            try {
                file.close();
                LOG.debug("journal {}: closed at {} bytes", file.path(), file.size());
            } catch (IOException e) {
                LOG.error("journal {}: closing the file failed", file.path(), e);
            } finally {
                closed.complete(null);
            }
        }
    }

    private void drain() {
        queue.beginDrain();
        while (queue.drainTo(batch, BATCH) > 0) {
            try {
                writeBatch();
            } finally {
                batch.clear();
            }
        }
    }

    private void writeBatch() {
        if (queue.failure() == null) {
            try {
                int n = 0;
                for (JournalEntry e : batch) {
                    for (ByteBuffer b : e.records()) {
                        if (n == buffers.length) {
                            buffers = Arrays.copyOf(buffers, n * 2);
                        }
                        buffers[n++] = b;
                    }
                }
                try {
                    file.append(buffers, 0, n);
                } finally {
                    Arrays.fill(buffers, 0, n, null);
                }
                if (policy == FsyncPolicy.ALWAYS) {
                    file.force();
                } else {
                    unsynced = true;
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        } else {
            droppedAfterFailure += batch.size();
        }
        Throwable failure = queue.failure();
        for (JournalEntry e : batch) {
            if (e.ackTo() != null) {
                RespReply reply = failure == null ? e.reply()
                        : RespReply.err("journal write failed (" + failure.getMessage() + "); the write is not durable");
                e.ackTo().tell(new KvConnMsg.ShardReply(e.seq(), e.part(), reply));
            }
        }
    }

    private void sync() {
        if (!unsynced || queue.failure() != null) {
            return;
        }
        try {
            file.force();
            unsynced = false;
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        if (queue.failure() == null) {
            LOG.error("journal {}: I/O failed; writes are refused from now on", file.path(), e);
        }
        queue.fail(e);
    }

    @Override
    public String toString() {
        return "JournalActor[" + file.path() + ", " + policy + (droppedAfterFailure > 0
                ? ", " + droppedAfterFailure + " entries dropped after failure" : "") + "]";
    }
}
