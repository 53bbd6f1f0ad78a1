package dev.kabuki.benchmarks;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.benchmarks.Peers.PekkoGuardian;
import dev.kabuki.benchmarks.Peers.VtActor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
 * W4a ask sequential (WORKLOADS.md): from outside the runtime (the benchmark thread), 200,000
 * sequential asks to one echo actor, awaiting each reply. The request carries a long and the
 * echo replies with it; every reply is checked against what was sent.
 *
 * <ul>
 *   <li>kabuki: {@code echo.ask(r -> new Echo(i, r), 30 s).join()}.</li>
 *   <li>Pekko: {@code AskPattern.ask(echo, r -> new Echo(i, r), 30 s, scheduler)}, then
 *       {@code toCompletableFuture().join()}.</li>
 *   <li>JDK: a new {@link CompletableFuture} in the message, completed by the virtual-thread
 *       actor; {@code join()}.</li>
 * </ul>
 * One invocation = N asks ({@link Mode#SingleShotTime}, ms); asks/s = N / time. The echo actors
 * here are shared with {@link W4bAskConcurrent}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class W4aAskSequential {

    // ------------------------------------------------------------------ the echo actors

    record KEcho(long value, ActorRef<Long> replyTo) {}

    static final class KEchoActor implements Actor<KEcho> {
        @Override
        public void receive(ActorContext<KEcho> ctx, KEcho msg) {
            msg.replyTo().tell(msg.value());
        }
    }

    record PEcho(long value, org.apache.pekko.actor.typed.ActorRef<Long> replyTo) {}

    static Behavior<PEcho> pekkoEcho() {
        return Behaviors.receiveMessage(msg -> {
            msg.replyTo().tell(msg.value());
            return Behaviors.same();
        });
    }

    record JEcho(long value, CompletableFuture<Long> reply) {}

    static VtActor<JEcho> jdkEcho() {
        return new VtActor<>(msg -> msg.reply().complete(msg.value()));
    }

    // ------------------------------------------------------------------ states

    @State(Scope.Benchmark)
    public static class Kabuki {
        @Param("0")
        public int workers;
        /** Asks per invocation (N). */
        @Param("200000")
        public int asks;

        ActorSystem system;
        ActorRef<KEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            system = Peers.newKabuki(workers, "kabuki-w4a");
            echo = system.spawnActor("echo", KEchoActor::new);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closeKabuki(system, "W4a");
        }
    }

    @State(Scope.Benchmark)
    public static class Pekko {
        @Param("0")
        public int workers;
        @Param("200000")
        public int asks;

        org.apache.pekko.actor.typed.ActorSystem<PekkoGuardian.Cmd> system;
        org.apache.pekko.actor.typed.ActorRef<PEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            system = Peers.newPekko(workers, "pekko-w4a");
            echo = Peers.pekkoSpawn(system, pekkoEcho(), "echo");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Peers.closePekko(system, "W4a");
        }
    }

    @State(Scope.Benchmark)
    public static class Jdk {
        @Param("0")
        public int workers;
        @Param("200000")
        public int asks;

        VtActor<JEcho> echo;

        @Setup(Level.Trial)
        public void setup() {
            Peers.configureVirtualThreads(workers);
            echo = jdkEcho();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            echo.stop();
            echo.join();
        }
    }

    // ------------------------------------------------------------------ benchmarks

    @Benchmark
    public long kabuki(Kabuki s) {
        final ActorRef<KEcho> echo = s.echo;
        long sum = 0;
        for (int i = 0; i < s.asks; i++) {
            final long v = i;
            sum += echo.<Long>ask(r -> new KEcho(v, r), Peers.ASK_TIMEOUT).join();
        }
        Peers.check("W4a kabuki sum of replies", sum, (long) s.asks * (s.asks - 1) / 2);
        return sum;
    }

    @Benchmark
    public long pekko(Pekko s) {
        final org.apache.pekko.actor.typed.ActorRef<PEcho> echo = s.echo;
        final var scheduler = s.system.scheduler();
        long sum = 0;
        for (int i = 0; i < s.asks; i++) {
            final long v = i;
            CompletionStage<Long> reply = AskPattern.ask(echo, r -> new PEcho(v, r), Peers.ASK_TIMEOUT, scheduler);
            sum += reply.toCompletableFuture().join();
        }
        Peers.check("W4a pekko sum of replies", sum, (long) s.asks * (s.asks - 1) / 2);
        return sum;
    }

    @Benchmark
    public long jdk(Jdk s) {
        final VtActor<JEcho> echo = s.echo;
        long sum = 0;
        for (int i = 0; i < s.asks; i++) {
            CompletableFuture<Long> reply = new CompletableFuture<>();
            echo.tell(new JEcho(i, reply));
            sum += reply.join();
        }
        Peers.check("W4a jdk sum of replies", sum, (long) s.asks * (s.asks - 1) / 2);
        return sum;
    }
}
