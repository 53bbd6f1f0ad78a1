package dev.kabuki.benchmarks.remote.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time (user + system) a process has used so far, from Linux's {@code /proc/PID/stat}. */
final class ProcessCpu {
    /** USER_HZ: the unit of utime and stime; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /** Milliseconds of CPU used by {@code pid} ("self" for this process), or -1 if unreadable. */
    static long millis(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            // Fields after the command name (which may hold spaces) start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state); utime is field 14, stime field 15.
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
