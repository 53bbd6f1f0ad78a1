package dev.kabuki.examples.net;

import dev.kabuki.net.TcpEvent;

/** Messages of a {@link KvConnection}: its connection's events and the shards' replies. */
sealed interface KvConnMsg {

    /** An event of the connection (a decoded request, a close). */
    record Net(TcpEvent<RespFrame> event) implements KvConnMsg {
    }

    /**
     * A shard's reply to one part of request {@code seq}.
     *
     * @param part which part of a scattered command (0 for a single-shard command)
     */
    record ShardReply(long seq, int part, RespReply reply) implements KvConnMsg {
    }

    /** Write the replies queued since the last flush: one flush per batch of messages. */
    record FlushReplies() implements KvConnMsg {
        static final FlushReplies INSTANCE = new FlushReplies();
    }
}
