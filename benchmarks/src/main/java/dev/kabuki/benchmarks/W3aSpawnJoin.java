package dev.kabuki.benchmarks;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W3a spawn-join (WORKLOADS.md): spawn N = 1,000,000 tasks, each returning its index, from the
 * benchmark thread (outside the runtime); join every handle in spawn order and sum. The sum is
 * checked against N(N-1)/2 in the benchmark itself, so the work is real, and returned (JMH
 * consumes it).
 *
 * <ul>
 *   <li>{@link #kabuki}: {@code system.spawn(() -> i)} on an {@link ActorSystem} with
 *       {@code workerThreads = workers}; join with {@link JoinHandle#join()}.</li>
 *   <li>{@link #forkJoinPool} (the peer): {@code CompletableFuture.supplyAsync(() -> i, pool)} on a
 *       {@code new ForkJoinPool(workers)}; join with {@link CompletableFuture#join()}.</li>
 * </ul>
 * {@code workers = 0} (the default) means {@link Runtime#availableProcessors()} for both. Both
 * runtimes live for the whole trial (created once per fork); each side's state is only created
 * for its own benchmark, so the other side's threads never exist in the same JVM. Both box the
 * index the same way ({@code Integer.valueOf}) and store handles in a preallocated array that is
 * cleared while joining.
 *
 * <p>Figure: {@link Mode#SingleShotTime}, one invocation = N tasks, in ms; tasks/s = N / time
 * (the suite's JmhSide does the conversion).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W3aSpawnJoin {

    /** Worker count used when the {@code workers} param is 0. */
    static int resolveWorkers(int workers) {
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }

    static void checkSum(long sum, int n) {
        long expected = (long) n * (n - 1) / 2;
        if (sum != expected) {
            throw new IllegalStateException("W3a sum " + sum + " != N(N-1)/2 = " + expected);
        }
    }

    /** kabuki's side: one ActorSystem for the whole trial. */
    @State(Scope.Benchmark)
    public static class Kabuki {
        /** Core worker threads; 0 = available processors. */
        @Param("0")
        public int workers;
        /** Tasks per invocation (N). */
        @Param("1000000")
        public int tasks;

        ActorSystem system;
        JoinHandle<Integer>[] handles;

        @Setup(Level.Trial)
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void setup() {
            system = ActorSystem.builder()
                    .workerThreads(resolveWorkers(workers))
                    .threadNamePrefix("kabuki-w3a")
                    .build();
            handles = new JoinHandle[tasks];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            // Diagnostics for the log (not a figure): how often workers parked and stole over
            // the whole trial (warm-up and measurement invocations).
            var m = system.metrics().core();
            System.out.println("[kabuki-bench info] W3a kabuki trial totals: parks=" + m.parks()
                    + " steals=" + m.steals() + " aliveTasks=" + m.aliveTasks());
            var report = system.shutdown(Duration.ofSeconds(10));
            if (!report.clean()) {
                System.err.println("[kabuki-bench SUSPICIOUS] W3a kabuki shutdown not clean: " + report);
            }
        }
    }

    /** The peer: a ForkJoinPool of the same parallelism, for the whole trial. */
    @State(Scope.Benchmark)
    public static class Fjp {
        /** Parallelism; 0 = available processors. */
        @Param("0")
        public int workers;
        /** Tasks per invocation (N). */
        @Param("1000000")
        public int tasks;

        ForkJoinPool pool;
        CompletableFuture<Integer>[] futures;

        @Setup(Level.Trial)
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void setup() {
            pool = new ForkJoinPool(resolveWorkers(workers));
            futures = new CompletableFuture[tasks];
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            pool.shutdown();
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                System.err.println("[kabuki-bench SUSPICIOUS] W3a ForkJoinPool did not terminate");
            }
        }
    }

    @Benchmark
    public long kabuki(Kabuki s) {
        final ActorSystem system = s.system;
        final JoinHandle<Integer>[] h = s.handles;
        final int n = s.tasks;
        for (int i = 0; i < n; i++) {
            final int v = i;
            h[i] = system.spawn(() -> v);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += h[i].join();
            h[i] = null;
        }
        checkSum(sum, n);
        return sum;
    }

    @Benchmark
    public long forkJoinPool(Fjp s) {
        final ForkJoinPool pool = s.pool;
        final CompletableFuture<Integer>[] f = s.futures;
        final int n = s.tasks;
        for (int i = 0; i < n; i++) {
            final int v = i;
            f[i] = CompletableFuture.supplyAsync(() -> v, pool);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += f[i].join();
            f[i] = null;
        }
        checkSum(sum, n);
        return sum;
    }
}
