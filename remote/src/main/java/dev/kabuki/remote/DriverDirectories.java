package dev.kabuki.remote;

import io.aeron.CommonContext;
import java.io.File;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.IoUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the embedded media driver's directories and removes those whose process died without
 * closing its system ({@code kill -9}, a crash, a power cut of a container), which would
 * otherwise stay in {@code /dev/shm} until reboot.
 *
 * <p>A directory is {@code kabuki-<system>-<pid>-<uuid>}: the pid of the process that made it and
 * a random id (two systems of one process never share one). {@link #sweep} removes a directory
 * only when both say its driver is gone: no live process has that pid on this host, and the
 * driver's heartbeat in its {@code cnc.dat} is older than {@link #DRIVER_TIMEOUT_MILLIS} (or the
 * file is missing). The pid alone would not do where processes of several pid namespaces share
 * one tmpfs; the heartbeat alone would not do for a stopped process ({@code SIGSTOP}, a debugger),
 * whose heartbeat is stale but which will resume and use its directory. Only names of this exact
 * shape are looked at; nothing else in the base directory is touched.
 *
 * <p>Called by each transport before it starts its driver; sweeps racing each other are
 * harmless (deleting a directory twice is not an error).
 */
final class DriverDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(DriverDirectories.class);
    /** Aeron's default driver timeout: a live driver beats its heartbeat far more often. */
    static final long DRIVER_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);
    private static final Pattern NAME = Pattern.compile(
            "kabuki-.+-(\\d{1,10})-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private DriverDirectories() {
    }

    /** A new directory name for {@code system}'s driver in this process, under {@code base}. */
    static File newDirectory(File base, String system) {
        return new File(base, "kabuki-" + system + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
    }

    /**
     * Removes the directories under {@code base} left by kabuki drivers whose processes are gone.
     *
     * @return how many were removed
     */
    static int sweep(File base) {
        return sweep(base, DRIVER_TIMEOUT_MILLIS);
    }

    /** As {@link #sweep(File)}, a heartbeat counting as stale after {@code driverTimeoutMillis}. */
    static int sweep(File base, long driverTimeoutMillis) {
        File[] entries = base.listFiles(File::isDirectory);
        if (entries == null) {
            return 0;
        }
        int removed = 0;
        for (File dir : entries) {
            Matcher m = NAME.matcher(dir.getName());
            if (!m.matches()) {
                continue;
            }
            long pid = Long.parseLong(m.group(1));
            if (ProcessHandle.of(pid).isPresent()) {
                continue;
            }
            boolean active;
            try {
                active = CommonContext.isDriverActive(dir, driverTimeoutMillis, message -> { });
            } catch (RuntimeException unreadable) {
                // A cnc.dat this Aeron cannot read: whether a driver is behind it cannot be
                // told, so it stays.
                LOG.debug("remote: keeping {}: its cnc.dat could not be read ({})", dir, unreadable.toString());
                continue;
            }
            if (active) {
                continue;
            }
            IoUtil.delete(dir, true);
            if (!dir.exists()) {
                removed++;
                LOG.info("remote: removed {}, the Aeron directory of process {}, which is gone", dir, pid);
            }
        }
        return removed;
    }
}
