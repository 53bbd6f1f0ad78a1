package dev.kabuki.benchmarks.suite;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.runner.IterationType;

/**
 * A JMH profiler that records every iteration, warm-up included: its primary score, the process
 * CPU time it used (every thread: workers, GC, JIT; {@code OperatingSystemMXBean.getProcessCpuTime},
 * HotSpot) and its wall time. CPU time stands next to every throughput figure because spinning
 * before parking can look good on throughput and cost a core elsewhere (WORKLOADS.md). {@link JmhSide} runs JMH in
 * its own process ({@code -f 0}) and reads the records afterwards, so a side's report shows
 * whether its iterations were flat, which JMH's results (measured iterations only) cannot.
 *
 * <p>Not thread-safe, and need not be: JMH calls a profiler from its one control thread, before
 * and after each iteration, and {@link JmhSide} reads the records after the run has returned.
 */
public final class IterationRecorder implements InternalProfiler {
    /** One iteration of the benchmark run in this process. */
    record Iteration(boolean warmup, double score, String unit, double cpuMs, double wallMs) {
    }

    private static final List<Iteration> RECORDS = new ArrayList<>();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuStart;
    private long wallStart;

    /** Public no-argument constructor, as JMH requires. */
    public IterationRecorder() {
    }

    static List<Iteration> records() {
        return List.copyOf(RECORDS);
    }

    @Override
    public String getDescription() {
        return "records each iteration's score, process CPU and wall time for the suite report";
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
        double cpuMs = (os.getProcessCpuTime() - cpuStart) / 1e6;
        double wallMs = (System.nanoTime() - wallStart) / 1e6;
        if (result.getRawPrimaryResults().isEmpty()) {
            // The benchmark method threw: JMH reports its exception once this returns (throwing
            // here would report this profiler's failure instead and hide the benchmark's).
            return List.of();
        }
        Result<?> primary = result.getPrimaryResult();
        RECORDS.add(new Iteration(iterationParams.getType() == IterationType.WARMUP,
                primary.getScore(), primary.getScoreUnit(), cpuMs, wallMs));
        return List.of();
    }
}
