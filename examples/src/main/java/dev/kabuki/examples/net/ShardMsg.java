package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;

/** Messages of a {@link ShardActor}. */
sealed interface ShardMsg {

    /**
     * Do {@code op} and tell the reply to {@code replyTo} as a
     * {@link KvConnMsg.ShardReply} carrying {@code seq} and {@code part}.
     *
     * @param seq  the request's number on its connection
     * @param part which part of a scattered command this is (0 for a single-shard command)
     * @param replyTo the connection, or (for a shard on another node) the reply address of an ask
     */
    record Request(ShardOp op, long seq, int part, ActorRef<? super KvConnMsg.ShardReply> replyTo)
            implements ShardMsg {
    }

    /** The sweep timer: expire keys nobody touches. */
    record SweepExpired() implements ShardMsg {
        static final SweepExpired INSTANCE = new SweepExpired();
    }
}
