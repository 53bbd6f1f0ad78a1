package dev.kabuki.examples.net;

/** What a connection does with one command, as {@link CommandPlanner} decides. */
sealed interface Plan {

    /** Answer at once, without a shard (PING, ECHO, errors, COMMAND, CLIENT). */
    record Reply(RespReply reply) implements Plan {
    }

    /** Answer, then close the connection once the answer is written (QUIT). */
    record ReplyAndClose(RespReply reply) implements Plan {
    }

    /** One shard answers. */
    record Single(int shard, ShardOp op) implements Plan {
    }

    /**
     * Several shards answer parts: {@code ops[i]} goes to {@code shards[i]} as part {@code i},
     * and {@code gather} combines the parts.
     */
    record Scatter(int[] shards, ShardOp[] ops, ReplyGather gather) implements Plan {
    }
}
