package dev.kabuki.examples.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal's bytes.
 *
 * <pre>
 * file    := MAGIC record*
 * MAGIC   := "KVJRNL01"                                  (8 bytes)
 * record  := length:u32 crc:u32 payload[length]         (big-endian; crc = CRC32C of payload)
 * payload := 1 expireAt:i64 keyLength:u32 key valueLength:u32 value    (Put)
 *          | 2 keyLength:u32 key                                        (Delete)
 *          | 3 shard:u32 shardCount:u32                                 (FlushShard)
 * </pre>
 * A record is whole when its length and checksum header and all its payload bytes are present
 * and the checksum matches: a write torn by a crash fails one of those, so a replay can tell
 * where the last whole record ends. Encoding writes no copy of keys and values: a record is a
 * header buffer followed by buffers wrapping the key and value arrays, written by one gathering
 * write (keys and values are never changed once stored).
 */
final class JournalFormat {
    static final byte[] MAGIC = "KVJRNL01".getBytes(StandardCharsets.US_ASCII);
    /** Bytes of a record's length and checksum. */
    static final int RECORD_HEADER = 8;

    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte FLUSH_SHARD = 3;

    private JournalFormat() {
    }

    /** Appends the buffers of a {@link JournalRecord.Put} to {@code out}. */
    static void put(byte[] key, byte[] value, long expireAt, List<ByteBuffer> out) {
        int payload = 1 + 8 + 4 + key.length + 4 + value.length;
        ByteBuffer head = ByteBuffer.allocate(RECORD_HEADER + 1 + 8 + 4);
        ByteBuffer valueLength = ByteBuffer.allocate(4).putInt(0, value.length);
        head.putInt(payload).putInt(0).put(PUT).putLong(expireAt).putInt(key.length).flip();
        CRC32C crc = new CRC32C();
        crc.update(head.array(), RECORD_HEADER, 1 + 8 + 4);
        crc.update(key);
        crc.update(valueLength.array());
        crc.update(value);
        head.putInt(4, (int) crc.getValue());
        out.add(head);
        out.add(ByteBuffer.wrap(key));
        out.add(valueLength);
        out.add(ByteBuffer.wrap(value));
    }

    /** Appends the buffers of a {@link JournalRecord.Delete} to {@code out}. */
    static void delete(byte[] key, List<ByteBuffer> out) {
        ByteBuffer head = ByteBuffer.allocate(RECORD_HEADER + 1 + 4);
        head.putInt(1 + 4 + key.length).putInt(0).put(DELETE).putInt(key.length).flip();
        CRC32C crc = new CRC32C();
        crc.update(head.array(), RECORD_HEADER, 1 + 4);
        crc.update(key);
        head.putInt(4, (int) crc.getValue());
        out.add(head);
        out.add(ByteBuffer.wrap(key));
    }

    /** Appends the buffer of a {@link JournalRecord.FlushShard} to {@code out}. */
    static void flushShard(int shard, int shardCount, List<ByteBuffer> out) {
        ByteBuffer b = ByteBuffer.allocate(RECORD_HEADER + 1 + 8);
        b.putInt(1 + 8).putInt(0).put(FLUSH_SHARD).putInt(shard).putInt(shardCount).flip();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RECORD_HEADER, 1 + 8);
        b.putInt(4, (int) crc.getValue());
        out.add(b);
    }

    /** The checksum a record's header must carry for {@code payload}. */
    static int checksum(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }

    /**
     * The record in a checksummed payload.
     *
     * @throws IllegalArgumentException the payload is not a record (unknown type, lengths that
     *                                  do not add up): the journal is corrupt from here
     */
    static JournalRecord decode(byte[] payload) {
        ByteBuffer p = ByteBuffer.wrap(payload);
        try {
            JournalRecord r = switch (p.get()) {
                case PUT -> {
                    long expireAt = p.getLong();
                    byte[] key = bytes(p);
                    byte[] value = bytes(p);
                    yield new JournalRecord.Put(key, value, expireAt);
                }
                case DELETE -> new JournalRecord.Delete(bytes(p));
                case FLUSH_SHARD -> new JournalRecord.FlushShard(p.getInt(), p.getInt());
                default -> throw new IllegalArgumentException("unknown record type " + payload[0]);
            };
            if (p.hasRemaining()) {
                throw new IllegalArgumentException(p.remaining() + " bytes after the record");
            }
            return r;
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("malformed record: " + e, e);
        }
    }

    private static byte[] bytes(ByteBuffer p) {
        int n = p.getInt();
        if (n < 0 || n > p.remaining()) {
            throw new IllegalArgumentException("a length of " + n + " with " + p.remaining() + " bytes left");
        }
        byte[] b = new byte[n];
        p.get(b);
        return b;
    }
}
