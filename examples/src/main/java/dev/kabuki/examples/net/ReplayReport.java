package dev.kabuki.examples.net;

/**
 * What the journal replay at start found.
 *
 * @param records      whole records replayed
 * @param validBytes   bytes of the file kept (its header and the whole records)
 * @param droppedBytes bytes after the last whole record, cut off (a torn or corrupt tail)
 * @param dropReason   why the replay stopped before the end of the file, or {@code null}
 */
public record ReplayReport(long records, long validBytes, long droppedBytes, String dropReason) {

    /** Whether a tail was cut off. */
    public boolean truncated() {
        return droppedBytes > 0;
    }
}
