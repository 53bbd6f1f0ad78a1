package dev.kabuki.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The I/O driver under either mode ({@code -Dkabuki.net.driver=worker-polled} or the default):
 * which threads exist, and no tell lost while workers park (in the worker-polled mode, one of
 * them in the driver's select) and I/O flows.
 */
@Timeout(240)
class IoDriverStressTest {
    static final boolean WORKER_POLLED = IoDriver.WORKER_POLLED.equals(System.getProperty(IoDriver.MODE_PROPERTY));

    record Echo(TcpConnection<String> conn) implements Actor<TcpEvent<String>> {
        @Override
        public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
            if (event instanceof TcpEvent.Received<String>(String line)) {
                conn.write(line);
            }
        }
    }

    /** Counts a message down; every even one is first forwarded once to the next actor (a worker-side tell). */
    record Hop(int n, boolean forwarded) {
    }

    @Test
    void theSwitchSelectsTheDriver() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("drvmode").workerThreads(2).build()) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100), Echo::new);
            try (LineClient c = new LineClient(server.port())) {
                assertThat(c.send("hi\n").readLine()).isEqualTo("hi");
            }
            boolean ioThread = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("drvmode-io-"));
            System.out.println("IoDriverStressTest: driver mode " + (WORKER_POLLED ? "worker-polled" : "dedicated"));
            assertThat(ioThread).as("a dedicated I/O thread").isEqualTo(!WORKER_POLLED);
        }
    }

    /**
     * Fails if a wake-up is lost: bursts of tells from many outside threads to actors that tell
     * each other (from workers), with every worker parked before each burst, while a client
     * keeps echoing through the driver. A burst not fully processed within the deadline fails.
     */
    @Test
    void noTellIsLostWhileWorkersParkAndIoFlows() throws Exception {
        try (ActorSystem system = ActorSystem.builder().threadNamePrefix("drvstress").workerThreads(2)
                .busyWait(Duration.ZERO).build()) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100), Echo::new);
            AtomicReference<CountDownLatch> done = new AtomicReference<>();
            int actors = 8;
            List<ActorRef<Hop>> refs = new ArrayList<>();
            for (int i = 0; i < actors; i++) {
                final int self = i;
                refs.add(system.spawnActor("counter-" + i, () -> new Actor<Hop>() {
                    @Override
                    public void receive(ActorContext<Hop> ctx, Hop hop) {
                        if (hop.n() % 2 == 0 && !hop.forwarded()) {
                            refs.get((self + 1) % actors).tell(new Hop(hop.n(), true));
                        } else {
                            done.get().countDown();
                        }
                    }
                }));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> echoFailure = new AtomicReference<>();
            Thread echo = new Thread(() -> {
                try (LineClient c = new LineClient(server.port())) {
                    for (int i = 0; !stop.get(); i++) {
                        String line = "m" + i;
                        if (!line.equals(c.send(line + "\n").readLine())) {
                            throw new AssertionError("echo of " + line);
                        }
                    }
                } catch (Throwable e) {
                    echoFailure.set(e);
                }
            }, "drvstress-echo");
            echo.setDaemon(true);
            echo.start();
            int producers = 6;
            int perProducer = 300;
            int rounds = 150;
            CyclicBarrier start = new CyclicBarrier(producers + 1);
            CyclicBarrier end = new CyclicBarrier(producers + 1);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                final int producer = p;
                Thread t = new Thread(() -> {
                    try {
                        for (int r = 0; r < rounds; r++) {
                            start.await(60, TimeUnit.SECONDS);
                            for (int i = 0; i < perProducer; i++) {
                                refs.get((producer + i) % actors).tell(new Hop(i, false));
                            }
                            end.await(60, TimeUnit.SECONDS);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "drvstress-producer-" + p);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            for (int r = 0; r < rounds; r++) {
                if (r % 3 == 0) { // every worker parked before the burst (while the echo client allows it)
                    awaitUpTo(2_000, () -> system.metrics().core().parkedWorkers() == 2);
                }
                CountDownLatch latch = new CountDownLatch(producers * perProducer);
                done.set(latch);
                start.await(60, TimeUnit.SECONDS);
                end.await(60, TimeUnit.SECONDS);
                assertThat(latch.await(20, TimeUnit.SECONDS))
                        .as("round %d: every tell processed (%d missing)", r, latch.getCount()).isTrue();
            }
            stop.set(true);
            echo.join(30_000);
            assertThat(echoFailure.get()).as("echo client").isNull();
            assertThat(server.metrics().framesIn()).isGreaterThan(rounds);
        }
    }

    /** Waits until the condition holds or the time is up (a best-effort precondition, not an assertion). */
    private static void awaitUpTo(long millis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
