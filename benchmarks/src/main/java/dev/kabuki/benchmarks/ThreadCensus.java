package dev.kabuki.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A census of this JVM's threads from {@code /proc/self/task} (Linux): per thread its CPU time,
 * its voluntary and involuntary context switches and the CPU it last ran on. A diagnostic line
 * for the benchmark logs, not a figure: a side that runs a whole process in a slow mode (kabuki's
 * W4b "out" in one round of some sittings) shows there whether its busy threads shared a CPU
 * (involuntary switches, the same last CPU) or parked and woke more often (voluntary ones).
 *
 * <p>Reads only; costs a few file reads per thread, once, when a trial ends. Elsewhere than
 * Linux, or if {@code /proc} cannot be read, it says so in the line instead.
 */
final class ThreadCensus {
    /** USER_HZ, the unit of utime and stime in {@code /proc/<pid>/task/<tid>/stat}: 100 on Linux. */
    private static final int CLOCK_TICKS_PER_SECOND = 100;

    private ThreadCensus() {}

    /**
     * One line: {@code name cpu=<ms> vcs=<n> ivcs=<n> lastCpu=<n>} for every thread that used at
     * least one clock tick of CPU, busiest first.
     */
    static String line() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return "no /proc/self/task here";
        }
        record Row(String name, long cpuMs, long voluntary, long involuntary, int lastCpu) {}
        List<Row> rows = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    // Fields from the third (state) on, after the parenthesised name.
                    String[] f = stat.substring(close + 2).trim().split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
                    if (ticks == 0) {
                        continue;
                    }
                    long voluntary = -1;
                    long involuntary = -1;
                    for (String l : Files.readAllLines(task.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:")) {
                            voluntary = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                        } else if (l.startsWith("nonvoluntary_ctxt_switches:")) {
                            involuntary = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                        }
                    }
                    rows.add(new Row(name, ticks * 1000 / CLOCK_TICKS_PER_SECOND, voluntary, involuntary,
                            Integer.parseInt(f[36])));
                } catch (IOException | RuntimeException e) {
                    // The thread ended while being read: it is simply not in the census.
                }
            }
        } catch (IOException e) {
            return "/proc/self/task unreadable: " + e;
        }
        rows.sort((a, b) -> Long.compare(b.cpuMs(), a.cpuMs()));
        StringBuilder sb = new StringBuilder();
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%s%s cpu=%dms vcs=%d ivcs=%d lastCpu=%d",
                    sb.isEmpty() ? "" : "; ", r.name(), r.cpuMs(), r.voluntary(), r.involuntary(), r.lastCpu()));
        }
        return sb.toString();
    }
}
