package dev.kabuki.examples.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The journal file, open for appending: gathering writes at its end and fsync. Opened after
 * {@link JournalReplay} has cut off any torn tail, so appends follow whole records. Used by one
 * thread at a time (the journal actor's).
 */
final class JournalFile implements AutoCloseable {
    /** Buffers per gathering write. */
    private static final int GATHER = 256;

    private final Path path;
    private final FileChannel channel;
    private long size;

    private JournalFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens {@code path} for appending, creating it with its header (and making the new
     * directory entry durable) if it is missing or empty.
     */
    static JournalFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (size == 0) {
                ByteBuffer magic = ByteBuffer.wrap(JournalFormat.MAGIC);
                while (magic.hasRemaining()) {
                    ch.write(magic, magic.position());
                }
                ch.force(true);
                syncDirectory(path.toAbsolutePath().getParent());
                size = JournalFormat.MAGIC.length;
            }
            ch.position(size);
            return new JournalFile(path, ch, size);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Writes {@code buffers[from, to)} entirely at the end of the file (not yet durable). */
    void append(ByteBuffer[] buffers, int from, int to) throws IOException {
        int i = from;
        while (i < to) {
            int end = Math.min(to, i + GATHER);
            size += channel.write(buffers, i, end - i);
            while (i < end && !buffers[i].hasRemaining()) {
                i++;
            }
        }
    }

    /** Makes everything appended so far durable (fdatasync: the file's size is part of its data). */
    void force() throws IOException {
        channel.force(false);
    }

    long size() {
        return size;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can open a directory; the entry is durable at the next sync of the file system.
        }
    }
}
