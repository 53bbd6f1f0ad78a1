package dev.kabuki.benchmarks;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import dev.kabuki.benchmarks.W4aAskSequential.JEcho;
import dev.kabuki.benchmarks.W4aAskSequential.KEcho;
import dev.kabuki.benchmarks.W4aAskSequential.PEcho;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
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
 * W4b ask concurrent (WORKLOADS.md): 1,000,000 asks from the benchmark thread to one echo actor
 * (the actors of {@link W4aAskSequential}) with at most 1,000 outstanding: a {@link Semaphore}
 * of 1,000 permits is acquired before each ask and released in the reply's completion callback
 * ({@code JoinHandle.whenComplete} / {@code CompletionStage.whenComplete} /
 * {@code CompletableFuture.whenComplete}). The invocation ends when all 1,000 permits are back.
 * Each ask's latency (send to callback, {@link System#nanoTime()}) goes into a {@code long[]};
 * after the invocation it is sorted and p50/p99 are printed as a line
 * {@code [W4b] side=<side> p50_us=<x> p99_us=<y>} (run-pairs.sh takes the measured iterations'
 * lines). Failures and the sum of the replies are checked.
 *
 * <p>One invocation = N asks ({@link Mode#SingleShotTime}, ms); asks/s = N / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W4bAskConcurrent {
    /** Most asks outstanding at once. */
    static final int MAX_OUTSTANDING = 1000;

    /** What every side shares: the semaphore, latencies, and the checks. */
    @State(Scope.Benchmark)
    public abstract static class Common {
        @Param("0")
        public int workers;
        /** Asks per invocation (N). */
        @Param("1000000")
        public int asks;

        final Semaphore window = new Semaphore(MAX_OUTSTANDING);
        final LongAdder sum = new LongAdder();
        final LongAdder failures = new LongAdder();
        long[] latency;
        volatile Throwable firstFailure;

        void prepare() {
            latency = new long[asks];
        }

        void completed(int i, long start, Long value, Throwable error) {
            latency[i] = System.nanoTime() - start;
            if (error != null || value == null || value != i) {
                failures.increment();
                if (firstFailure == null) {
                    firstFailure = error != null ? error : new IllegalStateException("reply " + value + " to ask " + i);
                }
            } else {
                sum.add(value);
            }
            window.release();
        }

        long finish(String side) throws InterruptedException {
            window.acquire(MAX_OUTSTANDING); // every callback has run
            window.release(MAX_OUTSTANDING);
            long f = failures.sumThenReset();
            long s = sum.sumThenReset();
            if (f > 0) {
                throw new IllegalStateException("W4b " + side + ": " + f + " ask(s) failed", firstFailure);
            }
            Peers.check("W4b " + side + " sum of replies", s, (long) asks * (asks - 1) / 2);
            long[] l = latency.clone();
            Arrays.sort(l);
            System.out.printf("[W4b] side=%s p50_us=%.1f p99_us=%.1f%n", side,
                    l[l.length / 2] / 1e3, l[(int) (l.length * 0.99)] / 1e3);
            return s;
        }
    }

    @State(Scope.Benchmark)
    public static class Kabuki extends Common {
        ActorSystem system;
        ActorRef<KEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            system = Peers.newKabuki(workers, "kabuki-w4b");
            echo = system.spawnActor("echo", W4aAskSequential.KEchoActor::new);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W4b");
        }
    }

    @State(Scope.Benchmark)
    public static class Pekko extends Common {
        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            system = Peers.newPekko(workers, "pekko-w4b");
            echo = Peers.pekkoSpawn(system, W4aAskSequential.pekkoEcho(), "echo");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W4b");
        }
    }

    @State(Scope.Benchmark)
    public static class Jdk extends Common {
        VtActor<JEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            prepare();
            Peers.configureVirtualThreads(workers);
            echo = W4aAskSequential.jdkEcho();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            echo.stop();
            echo.join();
        }
    }

    @Benchmark
    public long kabuki(Kabuki s) throws InterruptedException {
        final ActorRef<KEcho> echo = s.echo;
        for (int i = 0; i < s.asks; i++) {
            s.window.acquire();
            final int idx = i;
            final long start = System.nanoTime();
            echo.<Long>ask(r -> new KEcho(idx, r), Peers.ASK_TIMEOUT)
                    .whenComplete((v, e) -> s.completed(idx, start, v, e));
        }
        return s.finish("kabuki");
    }

    @Benchmark
    public long pekko(Pekko s) throws InterruptedException {
        final org.apache.pekko.actor.typed.ActorRef<PEcho> echo = s.echo;
        final var scheduler = s.system.scheduler();
        for (int i = 0; i < s.asks; i++) {
            s.window.acquire();
            final int idx = i;
            final long start = System.nanoTime();
            AskPattern.<PEcho, Long>ask(echo, r -> new PEcho(idx, r), Peers.ASK_TIMEOUT, scheduler)
                    .whenComplete((v, e) -> s.completed(idx, start, v, e));
        }
        return s.finish("pekko");
    }

    @Benchmark
    public long jdk(Jdk s) throws InterruptedException {
        final VtActor<JEcho> echo = s.echo;
        for (int i = 0; i < s.asks; i++) {
            s.window.acquire();
            final int idx = i;
            final long start = System.nanoTime();
            CompletableFuture<Long> reply = new CompletableFuture<>();
            reply.whenComplete((v, e) -> s.completed(idx, start, v, e));
            echo.tell(new JEcho(idx, reply));
        }
        return s.finish("jdk");
    }
}
