package dev.kabuki.benchmarks;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * W6 blocking burst (WORKLOADS.md): 1,000 blocking tasks that each sleep 10 ms, on a blocking
 * pool capped at 512 threads with a 1 s keep-alive; the figure is the wall time from the first
 * submission until every task has been joined, in ms. The threads-alive half of W6 (right after
 * the burst, and 2 s later) is measured outside JMH by {@link W6ThreadsAlive}.
 *
 * <p>Every iteration starts from a <b>fresh, cold pool</b> ({@code Level.Iteration} setup): the
 * burst therefore includes creating the threads on demand, which is what the workload is about.
 * With a pool reused across iterations, threads left from the previous burst (still within their
 * 1 s keep-alive) would serve the next one. The pool is shut down in the iteration teardown.
 *
 * <h2>The JDK peer, and why it is not {@code SynchronousQueue}</h2>
 * The usual JDK spelling of "threads on demand, keep-alive" is
 * {@code new ThreadPoolExecutor(0, 512, 1, SECONDS, new SynchronousQueue<>())}. With a cap it is
 * not the same policy: task 513 finds no idle thread, cannot create one and is <i>rejected</i>.
 * The ways around that change the work: {@code CallerRunsPolicy} runs sleeping tasks on the
 * submitting thread (which then stops submitting for 10 ms at a time), and retrying after a
 * wait adds an arbitrary delay of the harness's choosing. So the peer is
 * {@code new ThreadPoolExecutor(512, 512, 1, SECONDS, new LinkedBlockingQueue<>())} with
 * {@code allowCoreThreadTimeOut(true)}: a new thread per task until 512 exist, FIFO queue behind
 * the cap, idle threads exit after 1 s — exactly kabuki's blocking-pool policy
 * ({@code maxBlockingThreads(512)}, {@code threadKeepAlive(1 s)}, unbounded FIFO queue). One
 * difference that does not matter for a cold burst: below the core size the TPE starts a new
 * thread even when an idle one exists, where kabuki hands the task to the idle thread.
 *
 * <p>Both sides submit from the benchmark thread and join in submission order
 * ({@link JoinHandle#join()} / {@link Future#get()}). kabuki's core workers ({@code workers},
 * 0 = available processors) exist but do nothing here.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class W6BlockingBurst {
    /** Blocking tasks per burst. */
    public static final int TASKS = 1000;
    /** Pool cap. */
    public static final int MAX_THREADS = 512;
    /** Each task's sleep. */
    public static final long SLEEP_MS = 10;
    /** Idle-thread keep-alive. */
    public static final Duration KEEP_ALIVE = Duration.ofSeconds(1);

    /** The blocking task body; the same on both sides. */
    static final Callable<Object> SLEEP = () -> {
        Thread.sleep(SLEEP_MS);
        return null;
    };

    /** kabuki's pool: an ActorSystem with the W6 blocking settings. */
    public static ActorSystem newKabuki(int workers, String prefix, Runnable onThreadStart) {
        ActorSystem.Builder b = ActorSystem.builder()
                .workerThreads(W3aSpawnJoin.resolveWorkers(workers))
                .maxBlockingThreads(MAX_THREADS)
                .threadKeepAlive(KEEP_ALIVE)
                .threadNamePrefix(prefix)
                .shutdownTimeout(Duration.ofSeconds(10));
        if (onThreadStart != null) {
            b.onThreadStart(onThreadStart);
        }
        return b.build();
    }

    /** The JDK peer (see the class comment): threads named {@code <prefix>-N}. */
    public static ThreadPoolExecutor newTpe(String prefix) {
        AtomicInteger seq = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, prefix + "-" + seq.getAndIncrement());
            t.setDaemon(false);
            return t;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS,
                KEEP_ALIVE.toNanos(), TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), tf);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** One burst on kabuki: submit all, join all; returns the number of tasks joined. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int burst(ActorSystem system) {
        JoinHandle<Object>[] h = new JoinHandle[TASKS];
        for (int i = 0; i < TASKS; i++) {
            h[i] = system.spawnBlocking(SLEEP);
        }
        int done = 0;
        for (int i = 0; i < TASKS; i++) {
            h[i].join();
            done++;
        }
        return done;
    }

    /** One burst on the peer: submit all, join all; returns the number of tasks joined. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int burst(ThreadPoolExecutor pool) throws InterruptedException, ExecutionException {
        Future<Object>[] f = new Future[TASKS];
        for (int i = 0; i < TASKS; i++) {
            f[i] = pool.submit(SLEEP);
        }
        int done = 0;
        for (int i = 0; i < TASKS; i++) {
            f[i].get();
            done++;
        }
        return done;
    }

    /** kabuki's side: a fresh ActorSystem per iteration. */
    @State(Scope.Benchmark)
    public static class Kabuki {
        /** Core worker threads; 0 = available processors. */
        @Param("0")
        public int workers;

        ActorSystem system;

        @Setup(Level.Iteration)
        public void setup() {
            system = newKabuki(workers, "kabuki-w6", null);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            var report = system.shutdown(Duration.ofSeconds(10));
            if (!report.clean()) {
                System.err.println("[kabuki-bench SUSPICIOUS] W6 kabuki shutdown not clean: " + report);
            }
        }
    }

    /** The peer: a fresh ThreadPoolExecutor per iteration. */
    @State(Scope.Benchmark)
    public static class Tpe {
        /** Unused by the peer; present so that {@code -p workers=...} applies to both sides. */
        @Param("0")
        public int workers;

        ThreadPoolExecutor pool;

        @Setup(Level.Iteration)
        public void setup() {
            pool = newTpe("tpe-w6");
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws InterruptedException {
            pool.shutdown();
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                System.err.println("[kabuki-bench SUSPICIOUS] W6 ThreadPoolExecutor did not terminate");
            }
        }
    }

    @Benchmark
    public int kabuki(Kabuki s) {
        return check(burst(s.system));
    }

    @Benchmark
    public int threadPoolExecutor(Tpe s) throws InterruptedException, ExecutionException {
        return check(burst(s.pool));
    }

    private static int check(int done) {
        if (done != TASKS) {
            throw new IllegalStateException("W6 joined " + done + " of " + TASKS + " tasks");
        }
        return done;
    }
}
