package dev.kabuki.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the whole benchmark JVM used during each iteration:
 * {@code cpu.ms} (process CPU, every thread: pool threads, the benchmark thread, GC, JIT) and
 * {@code cpu.util} (that CPU divided by the iteration's wall time, in cores).
 *
 * <p>WORKLOADS.md asks for CPU time next to every throughput figure, because spinning before
 * parking can look good on throughput and cost a core elsewhere. JMH has no built-in CPU
 * profiler, hence this one; use it with {@code -prof dev.kabuki.benchmarks.CpuProfiler}.
 *
 * <p>The window is JMH's iteration: it includes {@code Level.Iteration} setup and teardown (for
 * W6, building and shutting down the pool) but not the trial-level ones. Only measurement
 * iterations count in the reported figure. Reads
 * {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime()} (HotSpot).
 */
public final class CpuProfiler implements InternalProfiler {
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuStart;
    private long wallStart;

    /** Public no-argument constructor, as JMH requires. */
    public CpuProfiler() {
    }

    @Override
    public String getDescription() {
        return "process CPU time per iteration (all threads), and CPU/wall utilisation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        wallStart = System.nanoTime();
        cpuStart = os.getProcessCpuTime();
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH's own signature uses the raw Result type
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long cpu = os.getProcessCpuTime() - cpuStart;
        long wall = System.nanoTime() - wallStart;
        return List.of(
                new ScalarResult("cpu.ms", cpu / 1e6, "ms", AggregationPolicy.AVG),
                new ScalarResult("cpu.util", wall > 0 ? (double) cpu / wall : 0, "cores", AggregationPolicy.AVG));
    }
}
