package dev.kabuki.examples.net;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a journal back at start, before the server accepts anyone: every whole record, in
 * order, to a consumer; then cuts off what follows the last whole record, so new appends follow
 * valid ones.
 *
 * <p>A torn tail (a crash in the middle of an append: a short header, a short payload) and a
 * checksum mismatch end the replay the same way: the records before it are kept, the rest is
 * dropped with one WARN line saying how many bytes and why, and the file is truncated there. A
 * length is checked against the bytes left in the file before anything is allocated for it.
 */
final class JournalReplay {
    private static final Logger LOG = LoggerFactory.getLogger(JournalReplay.class);

    private JournalReplay() {
    }

    /**
     * Replays {@code file} into {@code apply} and truncates a torn or corrupt tail. A missing
     * file is an empty journal.
     *
     * @throws IOException the file cannot be read or truncated, or is not a journal (a whole
     *                     header that is not the magic: refusing it keeps a wrong --data from
     *                     being overwritten)
     */
    static ReplayReport replay(Path file, Consumer<JournalRecord> apply) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return new ReplayReport(0, 0, 0, null);
        }
        long records = 0;
        long valid;
        String reason = null;
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = new byte[JournalFormat.MAGIC.length];
            int got = in.readNBytes(magic, 0, magic.length);
            if (got < magic.length) {
                if (!Arrays.equals(magic, 0, got, JournalFormat.MAGIC, 0, got)) {
                    throw new IOException(file + " is not a kv journal (its first bytes are not " + "KVJRNL01)");
                }
                valid = 0; // the header itself was torn: an empty journal
                reason = got == 0 ? null : "a torn file header";
            } else {
                if (!Arrays.equals(magic, JournalFormat.MAGIC)) {
                    throw new IOException(file + " is not a kv journal (its first bytes are not KVJRNL01)");
                }
                valid = magic.length;
                while (valid < size) {
                    long left = size - valid;
                    if (left < JournalFormat.RECORD_HEADER) {
                        reason = "a torn record header";
                        break;
                    }
                    int length = in.readInt();
                    int checksum = in.readInt();
                    if (length < 1 || length > left - JournalFormat.RECORD_HEADER) {
                        reason = length < 1 ? "an invalid record length " + length
                                : "a torn record (" + length + " bytes declared, " + (left - JournalFormat.RECORD_HEADER) + " present)";
                        break;
                    }
                    byte[] payload = new byte[length];
                    in.readFully(payload);
                    if (JournalFormat.checksum(payload) != checksum) {
                        reason = "a record whose checksum does not match";
                        break;
                    }
                    JournalRecord record;
                    try {
                        record = JournalFormat.decode(payload);
                    } catch (IllegalArgumentException e) {
                        reason = "a malformed record (" + e.getMessage() + ")";
                        break;
                    }
                    apply.accept(record);
                    records++;
                    valid += JournalFormat.RECORD_HEADER + length;
                }
            }
        } catch (EOFException e) {
            throw new IOException(file + " changed while it was replayed", e);
        }
        long dropped = size - valid;
        if (dropped > 0) {
            LOG.warn("journal {}: replayed {} records ({} bytes); dropped the last {} bytes after the last whole"
                    + " record, at offset {}: {}. The file is truncated there.", file, records, valid, dropped, valid, reason);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(valid);
                ch.force(true);
            }
        }
        return new ReplayReport(records, valid, dropped, reason);
    }
}
