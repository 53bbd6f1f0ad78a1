package dev.kabuki.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kabuki.actors.ActorSystem;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The three sides of the actor workloads (W1, W2, W3b, W4a, W4b, W5), built the same way by every
 * benchmark:
 * <ul>
 *   <li><b>kabuki</b>: {@code ActorSystem.builder().workerThreads(workers).build()},
 *       {@code spawnActor}, {@code tell}, {@code ask}; default throughput (10).</li>
 *   <li><b>Pekko</b> typed actors (Java DSL), default dispatcher = fork-join-executor with
 *       {@code parallelism-min = parallelism-max = workers}, throughput 10, logging at WARNING; a
 *       guardian ({@link PekkoGuardian}) spawns the actors on request, since typed actors are only
 *       spawned from inside the system.</li>
 *   <li><b>JDK</b>: {@link VtActor}, a virtual thread per actor looping on a
 *       {@link LinkedTransferQueue} ({@code take}, process); asks are {@link CompletableFuture}s
 *       completed by the "actor". The virtual-thread scheduler's parallelism is set to
 *       {@code workers} when the param is not 0 (default: cores, as for the others).</li>
 * </ul>
 * {@code workers = 0} means {@link Runtime#availableProcessors()} for all three.
 */
final class Peers {
    private Peers() {
    }

    /** Timeout for kabuki and Pekko asks: generous, no ask is expected to come near it. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    static int workers(int workers) {
        return W3aSpawnJoin.resolveWorkers(workers);
    }

    // ------------------------------------------------------------------ kabuki

    /**
     * A kabuki system with {@code workers} core workers (0 = cores). For A/B runs of the
     * busy-wait, {@code -Dkabuki.bench.busyWait=<ISO-8601 duration>} (e.g. {@code PT0S}, via
     * benchmarks/run's EXTRA_JVM_FLAGS) overrides the builder's default, and
     * {@code -Dkabuki.bench.throughput=<n>} the throughput.
     */
    static ActorSystem newKabuki(int workers, String prefix) {
        ActorSystem.Builder b = ActorSystem.builder().workerThreads(workers(workers)).threadNamePrefix(prefix);
        String busyWait = System.getProperty("kabuki.bench.busyWait");
        if (busyWait != null) {
            b.busyWait(Duration.parse(busyWait));
        }
        String throughput = System.getProperty("kabuki.bench.throughput");
        if (throughput != null) {
            b.throughput(Integer.parseInt(throughput));
        }
        return b.build();
    }

    /**
     * Shuts kabuki down; flags dead letters and an unclean shutdown as SUSPICIOUS in the log.
     * First prints, for the log only, the core dispatcher's park and steal counts over the trial
     * and the {@link ThreadCensus} of the process, so that a process that ran in a slow mode
     * leaves a trace of where its threads ran.
     */
    static void closeKabuki(ActorSystem system, String label) {
        var core = system.metrics().core();
        System.out.println("[kabuki-bench info] " + label + " kabuki trial totals: parks=" + core.parks()
                + " steals=" + core.steals() + "; threads: " + ThreadCensus.line());
        long dead = system.deadLetters().count();
        var report = system.shutdown(Duration.ofSeconds(10));
        if (dead > 0) {
            System.err.println("[kabuki-bench SUSPICIOUS] " + label + " kabuki: " + dead
                    + " dead letter(s) before shutdown");
        }
        if (!report.clean()) {
            System.err.println("[kabuki-bench SUSPICIOUS] " + label + " kabuki shutdown not clean: " + report);
        }
    }

    // ------------------------------------------------------------------ Pekko

    /** Pekko's configuration for the workloads, built in code. */
    static Config pekkoConfig(int workers) {
        int w = workers(workers);
        return ConfigFactory.parseString(
                "pekko {\n"
                + "  loglevel = \"WARNING\"\n"
                + "  stdout-loglevel = \"WARNING\"\n"
                + "  actor.default-dispatcher {\n"
                + "    executor = \"fork-join-executor\"\n"
                + "    fork-join-executor {\n"
                + "      parallelism-min = " + w + "\n"
                + "      parallelism-max = " + w + "\n"
                + "      parallelism-factor = 1.0\n"
                + "    }\n"
                + "    throughput = 10\n"
                + "  }\n"
                + "}\n").withFallback(ConfigFactory.load());
    }

    static org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> newPekko(int workers, String name) {
        return org.apache.pekko.actor.typed.ActorSystem.create(PekkoGuardian.create(), name, pekkoConfig(workers));
    }

    static void closePekko(org.apache.pekko.actor.typed.ActorSystem<?> system, String label) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("[kabuki-bench SUSPICIOUS] " + label + " Pekko did not terminate: " + e);
        }
    }

    /** Spawns one top-level (guardian child) Pekko actor and waits for its ref. */
    static <T> ActorRef<T> pekkoSpawn(org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system,
            Behavior<T> behavior, String name) {
        CompletableFuture<ActorRef<T>> f = new CompletableFuture<>();
        system.tell(new PekkoGuardian.Spawn<>(behavior, name, f));
        return f.join();
    }

    /** Spawns {@code out.length} guardian children named {@code prefix + i}; waits until spawned. */
    static <T> void pekkoSpawnMany(org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system,
            IntFunction<Behavior<T>> behavior, String prefix, ActorRef<T>[] out) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        system.tell(new PekkoGuardian.SpawnMany<>(behavior, prefix, out, f));
        f.join();
    }

    /** The guardian of the benchmarks' Pekko systems: spawns children on request. */
    static final class PekkoGuardian {
        private PekkoGuardian() {
        }

        sealed interface Cmd {}

        record Spawn<T>(Behavior<T> behavior, String name, CompletableFuture<ActorRef<T>> reply) implements Cmd {}

        record SpawnMany<T>(IntFunction<Behavior<T>> behavior, String prefix, ActorRef<T>[] out,
                CompletableFuture<Void> done) implements Cmd {}

        static Behavior<Cmd> create() {
            return Behaviors.setup(ctx -> Behaviors.receiveMessage(cmd -> {
                switch (cmd) {
                    case Spawn<?> s -> spawn(ctx, s);
                    case SpawnMany<?> s -> spawnMany(ctx, s);
                }
                return Behaviors.same();
            }));
        }

        private static <T> void spawn(org.apache.pekko.actor.typed.javadsl.ActorContext<Cmd> ctx, Spawn<T> s) {
            try {
                s.reply().complete(ctx.spawn(s.behavior(), s.name()));
            } catch (Throwable t) {
                s.reply().completeExceptionally(t);
            }
        }

        private static <T> void spawnMany(org.apache.pekko.actor.typed.javadsl.ActorContext<Cmd> ctx,
                SpawnMany<T> s) {
            try {
                ActorRef<T>[] out = s.out();
                for (int i = 0; i < out.length; i++) {
                    out[i] = ctx.spawn(s.behavior().apply(i), s.prefix() + i);
                }
                s.done().complete(null);
            } catch (Throwable t) {
                s.done().completeExceptionally(t);
            }
        }
    }

    // ------------------------------------------------------------------ JDK

    /** Sets the virtual-thread scheduler's parallelism before the first virtual thread exists. */
    static void configureVirtualThreads(int workers) {
        if (workers > 0 && System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
            System.setProperty("jdk.virtualThreadScheduler.parallelism", Integer.toString(workers));
        }
    }

    /**
     * The JDK baseline's actor: a virtual thread looping on a {@link LinkedTransferQueue}
     * ({@code take}, then the handler). {@link #tell} never blocks. {@link #stop} interrupts the
     * thread, which ends at its next {@code take}.
     */
    static final class VtActor<M> {
        final LinkedTransferQueue<M> queue = new LinkedTransferQueue<>();
        private final Thread thread;

        VtActor(Consumer<? super M> handler) {
            thread = Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        handler.accept(queue.take());
                    }
                } catch (InterruptedException stop) {
                    // stopped
                } catch (Throwable t) {
                    System.err.println("[kabuki-bench SUSPICIOUS] JDK actor failed: " + t);
                    t.printStackTrace();
                }
            });
        }

        void tell(M message) {
            queue.add(message);
        }

        void stop() {
            thread.interrupt();
        }

        void join() throws InterruptedException {
            thread.join(Duration.ofSeconds(10));
        }
    }

    /** Fails the benchmark when a count or sum does not reach its expected value. */
    static void check(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException(what + ": got " + actual + ", expected " + expected);
        }
    }
}
