package dev.kabuki.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dedicated driver's inline hand-off (IoLoop, InlineSlot): while every core worker is parked,
 * the selector thread runs a connection's handler itself; a handler slow there twice in a row
 * goes back to the workers. Run in the default driver mode only (the worker-polled prototype has
 * no selector thread).
 */
@Timeout(120)
class InlineHandOffTest {
    /** Echoes each line, after spinning for the number of milliseconds the line starts with, if any. */
    record Echo(TcpConnection<String> conn, List<String> threads, CountDownLatch connected)
            implements Actor<TcpEvent<String>> {
        Echo(TcpConnection<String> conn, List<String> threads) {
            this(conn, threads, new CountDownLatch(1));
        }

        @Override
        public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
            if (event instanceof TcpEvent.Connected<String>) {
                connected.countDown();
            }
            if (event instanceof TcpEvent.Received<String>(String line)) {
                threads.add(Thread.currentThread().getName());
                if (line.startsWith("spin ")) {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(line.substring(5)));
                    while (System.nanoTime() - end < 0) {
                        Thread.onSpinWait(); // a handler that computes: it holds its thread, whichever it is
                    }
                }
                conn.write("echo " + line);
            }
        }
    }

    private static void awaitWorkersParked(ActorSystem system) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (system.metrics().core().parkedWorkers() < system.metrics().core().workers()) {
            assertThat(System.nanoTime() - deadline).as("every core worker parked within 30 s").isNegative();
            LockSupport.parkNanos(200_000);
        }
    }

    private static ActorSystem system(String name) {
        return ActorSystem.builder().threadNamePrefix(name).workerThreads(2).busyWait(Duration.ZERO).build();
    }

    @Test
    void whileTheWorkersAreParkedTheSelectorThreadRunsTheHandler() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(IoDriverStressTest.WORKER_POLLED, "dedicated driver only");
        List<String> threads = new CopyOnWriteArrayList<>();
        int sent = 0;
        try (ActorSystem system = system("inline1")) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100),
                    conn -> new Echo(conn, threads));
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                // Each message is sent to an idle pool. A cold start may make two runs in a row
                // slow (and pause the inline runs for 1 s), so look for one within 30 s.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (threads.stream().noneMatch(t -> t.startsWith("inline1-io-"))) {
                    assertThat(System.nanoTime() - deadline).as("a message handled on the selector thread within 30 s")
                            .isNegative();
                    awaitWorkersParked(system);
                    out.write(("m" + sent + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(in.readLine()).isEqualTo("echo m" + sent);
                    sent++;
                }
            }
        }
        assertThat(threads).hasSize(sent).allMatch(t -> t.startsWith("inline1-io-") || t.startsWith("inline1-worker-"));
    }

    @Test
    void aHandlerSlowOnTheSelectorThreadTwiceInARowGoesBackToTheWorkers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(IoDriverStressTest.WORKER_POLLED, "dedicated driver only");
        List<String> slowThreads = new CopyOnWriteArrayList<>();
        List<String> fastThreads = new CopyOnWriteArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        CountDownLatch slowConnected = new CountDownLatch(1);
        CountDownLatch fastConnected = new CountDownLatch(1);
        try (ActorSystem system = system("inline2")) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100),
                    conn -> accepted.getAndIncrement() == 0 ? new Echo(conn, slowThreads, slowConnected)
                            : new Echo(conn, fastThreads, fastConnected));
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                // The handler's Connected goes to the workers (it is not a read): let that be
                // done, so that the first message finds the workers parked again.
                assertThat(slowConnected.await(30, TimeUnit.SECONDS)).isTrue();
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                // Each message is sent to an idle pool, so each would run inline but for the
                // slow-run rule: two slow runs in a row, then a 1 s pause (far longer than the
                // 4 x 5 ms this takes).
                List<Integer> inlineAt = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    awaitWorkersParked(system);
                    out.write("spin 5\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(in.readLine()).isEqualTo("echo spin 5");
                    if (slowThreads.get(i).startsWith("inline2-io-")) {
                        inlineAt.add(i);
                    }
                }
                assertThat(inlineAt).as("messages the selector thread ran (of 4, each sent to an idle pool)")
                        .containsExactly(0, 1);
                assertThat(slowThreads.subList(2, 4)).allMatch(t -> t.startsWith("inline2-worker-"));
                // Another connection's handler still runs inline meanwhile.
                try (Socket fast = new Socket("127.0.0.1", server.port())) {
                    OutputStream fout = fast.getOutputStream();
                    BufferedReader fin = new BufferedReader(new InputStreamReader(fast.getInputStream(), StandardCharsets.UTF_8));
                    assertThat(fastConnected.await(30, TimeUnit.SECONDS)).isTrue();
                    awaitWorkersParked(system);
                    fout.write("quick\n".getBytes(StandardCharsets.UTF_8));
                    fout.flush();
                    assertThat(fin.readLine()).isEqualTo("echo quick");
                    assertThat(fastThreads).hasSize(1);
                    assertThat(fastThreads.get(0)).startsWith("inline2-io-");
                }
            }
        }
    }

    /**
     * A handler on the selector thread is inside the runtime like one on a worker: the thread ran
     * the system's thread hooks, and {@code close()} there begins the shutdown and returns
     * (it would wait for itself otherwise: the shutdown closes this very thread's loop).
     */
    @Test
    void onTheSelectorThreadAHandlerIsInsideTheRuntime() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(IoDriverStressTest.WORKER_POLLED, "dedicated driver only");
        List<String> hooked = new CopyOnWriteArrayList<>();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch closeReturned = new CountDownLatch(1);
        CountDownLatch connected = new CountDownLatch(1);
        ActorSystem system = ActorSystem.builder().threadNamePrefix("inline3").workerThreads(2).busyWait(Duration.ZERO)
                .onThreadStart(() -> hooked.add(Thread.currentThread().getName())).build();
        try {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100),
                    conn -> (ctx, event) -> {
                        if (event instanceof TcpEvent.Connected<String>) {
                            connected.countDown();
                        }
                        if (event instanceof TcpEvent.Received<String>(String line) && line.equals("stop")) {
                            ranOn.add(Thread.currentThread().getName());
                            system.close();
                            closeReturned.countDown();
                        }
                    });
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
                awaitWorkersParked(system);
                s.getOutputStream().write("stop\n".getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                assertThat(closeReturned.await(30, TimeUnit.SECONDS)).as("close() returned in the handler").isTrue();
                assertThat(system.whenTerminated().join(Duration.ofSeconds(30)).clean()).isTrue();
            }
        } finally {
            system.close();
        }
        assertThat(ranOn).hasSize(1);
        assertThat(ranOn.get(0)).startsWith("inline3-io-");
        assertThat(hooked).contains(ranOn.get(0));
    }
}
