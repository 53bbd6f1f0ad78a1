package dev.kabuki.examples.net;

import java.util.Arrays;
import java.util.List;

/**
 * How the parts of a command scattered over several shards become its one reply. Mutable, one
 * per request, used by its connection's actor only. The first error among the parts is the
 * reply (Redis's multi-key commands either fail before touching anything or do not fail).
 */
sealed interface ReplyGather {

    /**
     * Takes the reply of {@code part}.
     *
     * @return whether every part has now replied
     */
    boolean accept(int part, RespReply reply);

    /** The combined reply, once every part has replied. */
    RespReply result();

    /** DEL, EXISTS, DBSIZE: the sum of the parts' integers. */
    final class SumOfIntegers implements ReplyGather {
        private int owed;
        private long sum;
        private RespReply error;

        SumOfIntegers(int parts) {
            this.owed = parts;
        }

        @Override
        public boolean accept(int part, RespReply reply) {
            if (reply instanceof RespReply.Int(long n)) {
                sum += n;
            } else if (error == null) {
                error = reply;
            }
            return --owed == 0;
        }

        @Override
        public RespReply result() {
            return error != null ? error : RespReply.integer(sum);
        }
    }

    /** MSET, FLUSHALL: OK once every part is OK. */
    final class AllOk implements ReplyGather {
        private int owed;
        private RespReply error;

        AllOk(int parts) {
            this.owed = parts;
        }

        @Override
        public boolean accept(int part, RespReply reply) {
            if (!(reply instanceof RespReply.SimpleString) && error == null) {
                error = reply;
            }
            return --owed == 0;
        }

        @Override
        public RespReply result() {
            return error != null ? error : RespReply.OK;
        }
    }

    /**
     * MGET: each part is an array of the values of that shard's keys; element {@code i} of part
     * {@code p} goes to position {@code positions[p][i]} of the reply.
     */
    final class MergeArrays implements ReplyGather {
        private final int[][] positions;
        private final RespReply[] merged;
        private int owed;
        private RespReply error;

        MergeArrays(int size, int[][] positions) {
            this.positions = positions;
            this.merged = new RespReply[size];
            this.owed = positions.length;
        }

        @Override
        public boolean accept(int part, RespReply reply) {
            if (reply instanceof RespReply.Array(List<? extends RespReply> elements)) {
                int[] at = positions[part];
                for (int i = 0; i < at.length; i++) {
                    merged[at[i]] = elements.get(i);
                }
            } else if (error == null) {
                error = reply;
            }
            return --owed == 0;
        }

        @Override
        public RespReply result() {
            return error != null ? error : new RespReply.Array(Arrays.asList(merged));
        }
    }
}
