package dev.kabuki.benchmarks.remote.harness;

import java.time.Duration;

/** CPU time (user + system) a process has used so far, as the JDK reports it ({@link ProcessHandle.Info}). */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /** Milliseconds of CPU used by {@code pid} ("self" for this process), or -1 if unknown (gone, or not reported). */
    static long millis(String pid) {
        try {
            ProcessHandle p = pid.equals("self") ? ProcessHandle.current() : ProcessHandle.of(Long.parseLong(pid)).orElse(null);
            return p == null ? -1 : p.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
