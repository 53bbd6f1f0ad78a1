package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;
import java.nio.ByteBuffer;

/**
 * The records of one applied write, on their way to the journal file, and (with
 * {@link FsyncPolicy#ALWAYS}) the reply that waits for them to be durable.
 *
 * @param records the encoded records ({@link JournalFormat})
 * @param ackTo   who gets {@code reply} once the records are fsynced; {@code null} when the write
 *                was acknowledged already
 * @param seq     the request's number on its connection
 * @param part    the request's part
 * @param reply   the reply to send after the fsync
 */
record JournalEntry(ByteBuffer[] records, ActorRef<? super KvConnMsg.ShardReply> ackTo, long seq, int part, RespReply reply) {

    /** An entry whose write was acknowledged already (fsync every second). */
    static JournalEntry unacknowledged(ByteBuffer[] records) {
        return new JournalEntry(records, null, 0, 0, null);
    }
}
