package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the keys of one shard: applies the ops routed to it, one at a time, and replies to the
 * asking connection with a {@link KvConnMsg.ShardReply}. A write is applied, then its effect is
 * handed to the journal ({@link JournalAppendQueue}); with {@link FsyncPolicy#ALWAYS} the reply
 * travels with it and the journal sends it once the record is durable, else the shard replies at
 * once. A keyed timer sweeps expired keys.
 *
 * <p>An op that throws (a bug) is answered with an error and logged; the keyspace stays as the
 * op left it, so the shard goes on.
 */
final class ShardActor implements Actor<ShardMsg> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardActor.class);
    /** Keys expired per sweep message before letting other messages in. */
    private static final int SWEEP_BUDGET = 1000;
    private static final RespReply NOT_AN_INTEGER = RespReply.err("value is not an integer or out of range");
    private static final RespReply OVERFLOW = RespReply.err("increment or decrement would overflow");

    private final int index;
    private final int shardCount;
    private final Keyspace keyspace;
    private final JournalAppendQueue journalQueue;
    private final ActorRef<JournalMsg> journal;
    private final FsyncPolicy fsync;
    private final LongSupplier clock;
    private final Duration sweepInterval;
    /** The records of the write being applied; reused. */
    private final List<ByteBuffer> records = new ArrayList<>();

    ShardActor(int index, int shardCount, Keyspace keyspace, JournalAppendQueue journalQueue,
               ActorRef<JournalMsg> journal, FsyncPolicy fsync, LongSupplier clock, Duration sweepInterval) {
        this.index = index;
        this.shardCount = shardCount;
        this.keyspace = keyspace;
        this.journalQueue = journalQueue;
        this.journal = journal;
        this.fsync = fsync;
        this.clock = clock;
        this.sweepInterval = sweepInterval;
    }

    @Override
    public void onStart(ActorContext<ShardMsg> ctx) {
        ctx.startTimerAtFixedRate("sweep", ShardMsg.SweepExpired.INSTANCE, sweepInterval, sweepInterval);
    }

    @Override
    public void receive(ActorContext<ShardMsg> ctx, ShardMsg msg) {
        switch (msg) {
            case ShardMsg.Request r -> execute(r);
            case ShardMsg.SweepExpired s -> {
                long now = clock.getAsLong();
                keyspace.expireDue(now, SWEEP_BUDGET);
                if (keyspace.hasDue(now)) {
                    ctx.self().tell(ShardMsg.SweepExpired.INSTANCE); // more are due: go on after the waiting requests
                }
            }
        }
    }

    private void execute(ShardMsg.Request r) {
        RespReply reply;
        try {
            long now = clock.getAsLong();
            if (!r.op().writes()) {
                reply = read(r.op(), now);
            } else {
                Throwable failure = journalQueue.failure();
                if (failure != null) {
                    reply = RespReply.err("the journal failed (" + failure.getMessage() + "): writes are refused");
                } else {
                    records.clear();
                    reply = write(r.op(), now);
                    if (!records.isEmpty()) {
                        ByteBuffer[] encoded = records.toArray(ByteBuffer[]::new);
                        records.clear();
                        if (fsync == FsyncPolicy.ALWAYS && !(reply instanceof RespReply.Error)) {
                            journalQueue.append(new JournalEntry(encoded, r.replyTo(), r.seq(), r.part(), reply), journal);
                            return; // the journal replies once the record is durable
                        }
                        journalQueue.append(JournalEntry.unacknowledged(encoded), journal);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("shard {}: {} failed", index, r.op().getClass().getSimpleName(), e);
            records.clear();
            reply = RespReply.err("internal error: " + e);
        }
        r.replyTo().tell(new KvConnMsg.ShardReply(r.seq(), r.part(), reply));
    }

    private RespReply read(ShardOp op, long now) {
        return switch (op) {
            case ShardOp.Get g -> {
                Keyspace.Entry e = keyspace.get(g.key(), now);
                yield e == null ? RespReply.NULL_BULK : new RespReply.Bulk(e.value());
            }
            case ShardOp.Strlen s -> {
                Keyspace.Entry e = keyspace.get(s.key(), now);
                yield RespReply.integer(e == null ? 0 : e.value().length);
            }
            case ShardOp.Ttl t -> {
                Keyspace.Entry e = keyspace.get(t.key(), now);
                if (e == null) {
                    yield RespReply.integer(-2);
                }
                if (e.expireAt() == Keyspace.NEVER) {
                    yield RespReply.integer(-1);
                }
                long left = e.expireAt() - now;
                yield RespReply.integer(t.millis() ? left : (left + 500) / 1000);
            }
            case ShardOp.Exists x -> {
                long n = 0;
                for (BinaryKey k : x.keys()) {
                    n += keyspace.get(k, now) != null ? 1 : 0;
                }
                yield RespReply.integer(n);
            }
            case ShardOp.MGet m -> {
                List<RespReply> values = new ArrayList<>(m.keys().size());
                for (BinaryKey k : m.keys()) {
                    Keyspace.Entry e = keyspace.get(k, now);
                    values.add(e == null ? RespReply.NULL_BULK : new RespReply.Bulk(e.value()));
                }
                yield new RespReply.Array(values);
            }
            case ShardOp.DbSize d -> RespReply.integer(keyspace.size());
            default -> throw new IllegalArgumentException("not a read: " + op);
        };
    }

    /** Applies a write and adds its journal records to {@link #records}. */
    private RespReply write(ShardOp op, long now) {
        return switch (op) {
            case ShardOp.Set s -> set(s, now);
            case ShardOp.Del d -> {
                long n = 0;
                for (BinaryKey k : d.keys()) {
                    if (keyspace.remove(k, now)) {
                        n++;
                        JournalFormat.delete(k.bytes(), records);
                    }
                }
                yield RespReply.integer(n);
            }
            case ShardOp.IncrBy i -> incrBy(i, now);
            case ShardOp.MSet m -> {
                for (int j = 0; j < m.keys().size(); j++) {
                    BinaryKey k = m.keys().get(j);
                    byte[] v = m.values().get(j);
                    keyspace.put(k, v, Keyspace.NEVER, now);
                    JournalFormat.put(k.bytes(), v, Keyspace.NEVER, records);
                }
                yield RespReply.OK;
            }
            case ShardOp.FlushAll f -> {
                keyspace.clear();
                JournalFormat.flushShard(index, shardCount, records);
                yield RespReply.OK;
            }
            default -> throw new IllegalArgumentException("not a write: " + op);
        };
    }

    private RespReply set(ShardOp.Set s, long now) {
        Keyspace.Entry old = keyspace.get(s.key(), now);
        RespReply oldReply = old == null ? RespReply.NULL_BULK : new RespReply.Bulk(old.value());
        if (s.condition() == ShardOp.Condition.IF_MISSING && old != null
                || s.condition() == ShardOp.Condition.IF_EXISTS && old == null) {
            return s.returnOld() ? oldReply : RespReply.NULL_BULK;
        }
        long expireAt = s.keepTtl() ? (old == null ? Keyspace.NEVER : old.expireAt()) : s.expireAt();
        if (expireAt != Keyspace.NEVER && expireAt <= now) { // a deadline in the past: the key is gone at once
            if (keyspace.remove(s.key(), now)) {
                JournalFormat.delete(s.key().bytes(), records);
            }
        } else {
            keyspace.put(s.key(), s.value(), expireAt, now);
            JournalFormat.put(s.key().bytes(), s.value(), expireAt, records);
        }
        return s.returnOld() ? oldReply : RespReply.OK;
    }

    private RespReply incrBy(ShardOp.IncrBy i, long now) {
        Keyspace.Entry old = keyspace.get(i.key(), now);
        long current = 0;
        if (old != null) {
            OptionalLong parsed = DecimalLong.parse(old.value());
            if (parsed.isEmpty()) {
                return NOT_AN_INTEGER;
            }
            current = parsed.getAsLong();
        }
        long next;
        try {
            next = Math.addExact(current, i.delta());
        } catch (ArithmeticException e) {
            return OVERFLOW;
        }
        byte[] value = DecimalLong.format(next);
        long expireAt = old == null ? Keyspace.NEVER : old.expireAt(); // INCR keeps the deadline
        keyspace.put(i.key(), value, expireAt, now);
        JournalFormat.put(i.key().bytes(), value, expireAt, records);
        return RespReply.integer(next);
    }
}
