package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class JournalReplayTest {
    @TempDir
    Path dir;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger replayLogger = (Logger) LoggerFactory.getLogger(JournalReplay.class);

    @BeforeEach
    void captureLog() {
        log.start();
        replayLogger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        replayLogger.detachAppender(log);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes records and returns the file size after each (the first entry is the header). */
    private static List<Long> write(Path file, int puts) throws IOException {
        List<Long> ends = new ArrayList<>();
        try (JournalFile f = JournalFile.open(file)) {
            ends.add(f.size());
            for (int i = 0; i < puts; i++) {
                List<ByteBuffer> out = new ArrayList<>();
                JournalFormat.put(b("key" + i), b("value-" + i), i % 2 == 0 ? Keyspace.NEVER : 1_000L + i, out);
                f.append(out.toArray(ByteBuffer[]::new), 0, out.size());
                ends.add(f.size());
            }
            List<ByteBuffer> out = new ArrayList<>();
            JournalFormat.delete(b("key0"), out);
            JournalFormat.flushShard(1, 4, out);
            f.append(out.toArray(ByteBuffer[]::new), 0, out.size());
            f.force();
        }
        return ends;
    }

    private static List<JournalRecord> replay(Path file) throws IOException {
        List<JournalRecord> records = new ArrayList<>();
        JournalReplay.replay(file, records::add);
        return records;
    }

    @Test
    void wholeRecordsReplayInOrder() throws IOException {
        Path file = dir.resolve("kv.journal");
        write(file, 3);
        List<JournalRecord> records = replay(file);
        assertThat(records).hasSize(5);
        JournalRecord.Put second = (JournalRecord.Put) records.get(1);
        assertThat(second.key()).isEqualTo(b("key1"));
        assertThat(second.value()).isEqualTo(b("value-1"));
        assertThat(second.expireAt()).isEqualTo(1_001L);
        assertThat(((JournalRecord.Delete) records.get(3)).key()).isEqualTo(b("key0"));
        assertThat(records.get(4)).isEqualTo(new JournalRecord.FlushShard(1, 4));
        assertThat(log.list).isEmpty();
    }

    @Test
    void aJournalCutAnywhereInItsLastRecordReplaysTheRecordsBeforeIt() throws IOException {
        Path whole = dir.resolve("whole.journal");
        List<Long> ends = write(whole, 3);
        long lastStart = ends.get(2);
        long lastEnd = ends.get(3);
        byte[] bytes = Files.readAllBytes(whole);
        for (long cut = lastStart + 1; cut < lastEnd; cut++) {
            Path torn = dir.resolve("torn-" + cut + ".journal");
            Files.write(torn, java.util.Arrays.copyOf(bytes, (int) cut));
            log.list.clear();

            List<JournalRecord> records = new ArrayList<>();
            ReplayReport report = JournalReplay.replay(torn, records::add);

            assertThat(records).as("cut at %d", cut).hasSize(2);
            assertThat(report.records()).isEqualTo(2);
            assertThat(report.droppedBytes()).isEqualTo(cut - lastStart);
            assertThat(Files.size(torn)).as("truncated after the last whole record").isEqualTo(lastStart);
            assertThat(log.list).hasSize(1);
            ILoggingEvent warn = log.list.get(0);
            assertThat(warn.getLevel()).isEqualTo(Level.WARN);
            assertThat(warn.getFormattedMessage()).contains("replayed 2 records")
                    .contains("dropped the last " + (cut - lastStart) + " bytes");
        }
    }

    @Test
    void appendsAfterATruncatedTailFollowTheValidRecords() throws IOException {
        Path file = dir.resolve("kv.journal");
        List<Long> ends = write(file, 2);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ends.get(2) - 3);
        }
        assertThat(replay(file)).hasSize(1);
        try (JournalFile f = JournalFile.open(file)) {
            List<ByteBuffer> out = new ArrayList<>();
            JournalFormat.put(b("after"), b("crash"), Keyspace.NEVER, out);
            f.append(out.toArray(ByteBuffer[]::new), 0, out.size());
        }
        log.list.clear();
        List<JournalRecord> records = replay(file);
        assertThat(records).hasSize(2);
        assertThat(((JournalRecord.Put) records.get(1)).key()).isEqualTo(b("after"));
        assertThat(log.list).isEmpty();
    }

    @Test
    void aRecordWhoseChecksumFailsEndsTheReplayThere() throws IOException {
        Path file = dir.resolve("kv.journal");
        List<Long> ends = write(file, 3);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'X'}), ends.get(2) - 2); // inside record 2's value
        }
        List<JournalRecord> records = new ArrayList<>();
        ReplayReport report = JournalReplay.replay(file, records::add);
        assertThat(records).hasSize(1);
        assertThat(report.dropReason()).contains("checksum");
    }

    @Test
    void aHugeDeclaredRecordLengthIsATornTailNotAnAllocation() throws IOException {
        Path file = dir.resolve("kv.journal");
        List<Long> ends = write(file, 1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ends.get(1));
            ch.write(ByteBuffer.allocate(8).putInt(0, Integer.MAX_VALUE - 100), ends.get(1));
        }
        ReplayReport report = JournalReplay.replay(file, r -> { });
        assertThat(report.records()).isEqualTo(1);
        assertThat(report.droppedBytes()).isEqualTo(8);
    }

    @Test
    void aFileThatIsNotAJournalIsRefused() throws IOException {
        Path file = dir.resolve("kv.journal");
        Files.writeString(file, "hello, this is not a journal");
        assertThatThrownBy(() -> replay(file)).isInstanceOf(IOException.class).hasMessageContaining("not a kv journal");
        assertThat(Files.readString(file)).startsWith("hello");
    }

    @Test
    void aMissingFileIsAnEmptyJournal() throws IOException {
        assertThat(JournalReplay.replay(dir.resolve("none"), r -> { }).records()).isZero();
    }
}
