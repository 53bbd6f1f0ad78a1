package dev.kabuki.examples.net;

import java.util.Locale;

/** When the journal forces its writes to disk. */
public enum FsyncPolicy {
    /**
     * A write is acknowledged only once its record is fsynced. Records queued together are
     * fsynced once (group commit).
     */
    ALWAYS,
    /** Records are written at once and fsynced once a second; a crash loses at most the last second. */
    EVERYSEC;

    /** The policy named {@code always} or {@code everysec}. */
    public static FsyncPolicy parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "everysec" -> EVERYSEC;
            default -> throw new IllegalArgumentException("--fsync must be always or everysec, got '" + name + "'");
        };
    }

    /** The name as the flag and CONFIG GET appendfsync spell it. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
