package dev.kabuki.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.DispatcherSelector;
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
 * <h2>The Pekko peer</h2>
 * Pekko's way to run blocking work is a dedicated dispatcher ("Blocking Needs Careful
 * Management"); {@link #pekko} runs the 1,000 tasks as futures on one
 * ({@code CompletableFuture.supplyAsync(task, dispatcher)}, the dispatcher being the
 * {@code ExecutionContextExecutor} a Scala {@code Future} would run on), looked up with
 * {@code DispatcherSelector.fromConfig}, configured in {@link #pekkoConfig} as close to kabuki's
 * policy as Pekko allows:
 * <pre>
 * type = Dispatcher, executor = "thread-pool-executor", throughput = 1
 * thread-pool-executor {
 *   fixed-pool-size = 512          # core = max = 512
 *   allow-core-timeout = on        # ...and every thread, core or not, exits when idle for
 *   keep-alive-time = 1s           # the 1 s keep-alive
 *   task-queue-size = -1           # unbounded
 *   task-queue-type = "linked"     # FIFO LinkedBlockingQueue behind the cap
 * }
 * shutdown-timeout = 60s
 * </pre>
 * Pekko's {@code thread-pool-executor} is a {@link ThreadPoolExecutor}, so the reasoning above
 * applies: "core 0, max 512" with an unbounded queue would run the whole burst on <i>one</i>
 * thread (a TPE starts threads beyond the core size only when the queue refuses a task), and a
 * bounded queue would reject tasks behind the cap. Hence core = max = 512 with core timeout:
 * the same policy as the TPE peer. {@code shutdown-timeout} is raised from Pekko's 1 s so that
 * idle threads leave through the keep-alive, the policy being compared, rather than because
 * the dispatcher shuts its whole executor down 1 s after its last task (which Pekko does by
 * default, and which would also empty the pool after about 1 s). The Pekko system, and with it
 * the pool, is new per iteration (cold pool), as on the other sides; its default dispatcher
 * (for the guardian) is {@link Peers#pekkoConfig}'s.
 *
 * <p>All sides submit from the benchmark thread and join in submission order
 * ({@link JoinHandle#join()} / {@link Future#get()} / {@code CompletableFuture.get()}). kabuki's
 * core workers ({@code workers}, 0 = available processors) exist but do nothing here.
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

    /** Pekko's blocking dispatcher for W6, configured in {@link #pekkoConfig}. */
    public static final String PEKKO_DISPATCHER = "kabuki-bench.w6-blocking-dispatcher";

    /** {@link Peers#pekkoConfig} plus the W6 blocking dispatcher (see the class comment). */
    public static Config pekkoConfig(int workers) {
        return ConfigFactory.parseString(
                PEKKO_DISPATCHER + " {\n"
                + "  type = Dispatcher\n"
                + "  executor = \"thread-pool-executor\"\n"
                + "  thread-pool-executor {\n"
                + "    fixed-pool-size = " + MAX_THREADS + "\n"
                + "    allow-core-timeout = on\n"
                + "    keep-alive-time = " + KEEP_ALIVE.toMillis() + "ms\n"
                + "    task-queue-size = -1\n"
                + "    task-queue-type = \"linked\"\n"
                + "  }\n"
                + "  throughput = 1\n"
                + "  shutdown-timeout = 60s\n"
                + "}\n").withFallback(Peers.pekkoConfig(workers));
    }

    /** A Pekko system named {@code name} with the W6 dispatcher; its threads are named {@code <name>-<dispatcher>-N}. */
    public static org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> newPekko(int workers, String name) {
        return org.apache.pekko.actor.typed.ActorSystem.create(PekkoGuardian.create(), name, pekkoConfig(workers));
    }

    /** The W6 dispatcher of {@code system}. */
    public static Executor pekkoDispatcher(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return system.dispatchers().lookup(DispatcherSelector.fromConfig(PEKKO_DISPATCHER));
    }

    /** One burst on a Pekko dispatcher: submit all as futures, join all; returns the tasks joined. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static int burst(Executor dispatcher) throws InterruptedException, ExecutionException {
        CompletableFuture<Object>[] f = new CompletableFuture[TASKS];
        for (int i = 0; i < TASKS; i++) {
            f[i] = CompletableFuture.supplyAsync(SLEEP_SUPPLIER, dispatcher);
        }
        int done = 0;
        for (int i = 0; i < TASKS; i++) {
            f[i].get();
            done++;
        }
        return done;
    }

    /** {@link #SLEEP} as a {@link Supplier}, for {@code CompletableFuture.supplyAsync}. */
    static final Supplier<Object> SLEEP_SUPPLIER = () -> {
        try {
            return SLEEP.call();
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    };

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

    /** The Pekko peer: a fresh Pekko system, and so a cold dispatcher, per iteration. */
    @State(Scope.Benchmark)
    public static class Pekko {
        /** The default dispatcher's parallelism (for the guardian); 0 = available processors. */
        @Param("0")
        public int workers;

        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        Executor dispatcher;

        @Setup(Level.Iteration)
        public void setup() {
            system = newPekko(workers, "pekko-w6");
            dispatcher = pekkoDispatcher(system);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            Peers.closePekko(system, "W6");
        }
    }

    @Benchmark
    public int pekko(Pekko s) throws InterruptedException, ExecutionException {
        return check(burst(s.dispatcher));
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
