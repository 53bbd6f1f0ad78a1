package dev.kabuki.benchmarks.w7;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The W7 TCP-echo load client (WORKLOADS.md): one program used against every echo server.
 * <pre>
 *   java -cp benchmarks.jar dev.kabuki.benchmarks.w7.W7LoadClient --port P [--host 127.0.0.1]
 *        [--connections 64] [--size 64] [--warmup 3] [--duration 10] [--threads min(C, 2)]
 *        [--server-pid PID] [--stall 5]
 * </pre>
 * <ol>
 *   <li>Opens C connections (TCP_NODELAY) one after the other, then switches them to
 *       non-blocking mode and deals them round-robin to T selector threads (default
 *       {@code min(C, 2)}); a thread owns its connections for the whole run.</li>
 *   <li>Every connection has exactly one message outstanding: send {@code size} bytes, read back
 *       exactly {@code size} bytes, compare every byte with what was sent, send the next. The
 *       payload differs per message and per connection (the message's sequence number, spread
 *       over the bytes and mixed with the byte's position and the connection id), so a stale,
 *       shifted or crossed-over reply is caught.</li>
 *   <li>The measured period is the {@code duration} seconds that follow {@code warmup} seconds of
 *       warm-up (both timed from when all connections are open). A round trip is measured if it
 *       was sent and completed within the measured period (so a slow reply to a warm-up message
 *       does not count): it is counted, and its round-trip time (send to last byte read,
 *       {@link System#nanoTime()}) goes into an HdrHistogram (3 significant digits) per thread,
 *       merged at the end. rps = measured round trips / duration.</li>
 *   <li>Client CPU ({@code OperatingSystemMXBean.getProcessCpuTime}, all threads of this JVM) and,
 *       with {@code --server-pid}, the server's CPU ({@link ProcessHandle.Info#totalCpuDuration()},
 *       which on Linux is /proc/PID/stat utime + stime, 10 ms ticks) are read when the measured
 *       period starts and ends.</li>
 * </ol>
 * Output on success: exactly one line on stdout,
 * {@code W7 connections=C size=S threads=T seconds=D roundtrips=N rps=R p50_us=.. p99_us=..
 * p999_us=.. max_us=.. mean_us=.. client_cpu_ms=.. server_cpu_ms=.. roundtrips_all=.. errors=0},
 * where {@code roundtrips_all} counts the warm-up's round trips too (every one of them was
 * verified) and {@code server_cpu_ms} is -1 without {@code --server-pid}. Exit code 0.
 *
 * <p>Failure: a mismatched byte, a connection closed or reset by the server, a failed connect,
 * no reply on some connection for {@code --stall} seconds (default 5), or no measured round trip
 * at all: one line {@code W7 FAILED: <reason>} on stderr, exit code 1. A watchdog bounds the
 * whole program: {@code warmup + duration + 9} seconds after main starts it prints
 * {@code W7 FAILED} and halts the JVM with exit code 1, whatever the server does.
 *
 * <p>Threads: each {@link SelectorLoop} and its connections are written only by the loop's
 * thread; main reads a loop's counts and histogram after {@link Thread#join()}, which orders
 * them. The one shared mutable state is {@code FAILURE} (first failure wins, by CAS); every
 * thread polls it at least every 100 ms and stops once it is set.
 *
 * <p>The client must not be the bottleneck: its threads do nothing but select, read, compare
 * and write on preallocated direct buffers (no allocation per message), and the measured CPU
 * figure shows what it cost. The threads block in {@code select} (no spinning), as the servers'
 * event loops do.
 */
public final class W7LoadClient {
    private static final long SELECT_TIMEOUT_MS = 100;
    private static final long STALL_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /** The first failure of any thread; once set every thread stops. */
    private static final AtomicReference<String> FAILURE = new AtomicReference<>();

    private W7LoadClient() {
    }

    record Options(String host, int port, int connections, int size, double warmupS, double durationS,
                   int threads, long serverPid, double stallS, String resultTags) {
    }

    static void fail(String reason) {
        FAILURE.compareAndSet(null, reason);
    }

    /** One connection and its one outstanding message. Touched only by the thread that owns it. */
    static final class Connection {
        final int id;
        final SocketChannel channel;
        final int size;
        /** The message in flight: filled by {@link #fill()}, position = bytes written so far. */
        final ByteBuffer out;
        /** The reply: limit = size, so a read never takes bytes of a later reply. */
        final ByteBuffer in;
        SelectionKey key;
        /** Sequence number of the message in flight = round trips completed so far. */
        long seq;
        long sentAt;

        Connection(int id, SocketChannel channel, int size) {
            this.id = id;
            this.channel = channel;
            this.size = size;
            this.out = ByteBuffer.allocateDirect(size);
            this.in = ByteBuffer.allocateDirect(size);
        }

        /** Byte k of message seq on this connection. */
        static byte patternByte(long seq, int k, int id) {
            return (byte) ((seq >>> ((k & 7) << 3)) ^ (k * 7 + id * 13));
        }

        void fill() {
            final ByteBuffer b = out;
            final long s = seq;
            final int n = size;
            final int i = id;
            for (int k = 0; k < n; k++) {
                b.put(k, patternByte(s, k, i));
            }
            b.clear();
        }
    }

    /** One selector thread and the connections it owns. */
    static final class SelectorLoop implements Runnable {
        final List<Connection> connections = new ArrayList<>();
        final Histogram latencies = new Histogram(3);
        final long warmEnd;
        final long end;
        final long stallNs;
        long measured;
        long all;

        SelectorLoop(long warmEnd, long end, long stallNs) {
            this.warmEnd = warmEnd;
            this.end = end;
            this.stallNs = stallNs;
        }

        @Override
        public void run() {
            try (Selector selector = Selector.open()) {
                for (Connection c : connections) {
                    c.key = c.channel.register(selector, SelectionKey.OP_READ, c);
                    send(c);
                }
                long nextCheck = System.nanoTime() + STALL_CHECK_NS;
                while (FAILURE.get() == null) {
                    selector.select(this::ready, SELECT_TIMEOUT_MS);
                    long now = System.nanoTime();
                    if (now - end >= 0) {
                        checkStalls(now);
                        break;
                    }
                    if (now - nextCheck >= 0) {
                        nextCheck = now + STALL_CHECK_NS;
                        checkStalls(now);
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(Thread.currentThread().getName() + ": " + e);
            }
        }

        private void checkStalls(long now) {
            for (Connection c : connections) {
                if (now - c.sentAt > stallNs) {
                    fail(String.format(Locale.ROOT,
                            "connection %d: no complete reply for %.1f s (%d of %d bytes read) after %d round trips"
                                    + " (server hung?)",
                            c.id, (now - c.sentAt) / 1e9, c.in.position(), c.size, c.seq));
                    return;
                }
            }
        }

        private void ready(SelectionKey key) {
            Connection c = (Connection) key.attachment();
            try {
                if (key.isWritable()) {
                    c.channel.write(c.out);
                    if (!c.out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    read(c);
                }
            } catch (IOException | RuntimeException e) {
                fail("connection " + c.id + " after " + c.seq + " round trips: " + e);
            }
        }

        private void read(Connection c) throws IOException {
            final ByteBuffer in = c.in;
            if (c.channel.read(in) < 0) {
                fail(String.format(Locale.ROOT,
                        "connection %d closed by the server after %d round trips (%d of %d bytes of a reply read)",
                        c.id, c.seq, in.position(), c.size));
                return;
            }
            if (in.hasRemaining()) {
                return;
            }
            long now = System.nanoTime();
            in.flip();
            c.out.position(0);
            int at = in.mismatch(c.out);
            if (at >= 0) {
                fail(String.format(Locale.ROOT,
                        "connection %d, message %d: byte %d of the reply is %d, sent %d",
                        c.id, c.seq, at, in.get(at), c.out.get(at)));
                return;
            }
            all++;
            if (c.sentAt - warmEnd >= 0 && now - end < 0) {
                latencies.recordValue(now - c.sentAt);
                measured++;
            }
            c.seq++;
            if (now - end < 0) {
                send(c);
            }
        }

        private void send(Connection c) throws IOException {
            c.fill();
            c.in.clear();
            c.sentAt = System.nanoTime();
            c.channel.write(c.out);
            if (c.out.hasRemaining()) {
                c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        long start = System.nanoTime();
        Options o = parse(args);
        startWatchdog(start, o);

        InetSocketAddress address = new InetSocketAddress(o.host(), o.port());
        List<Connection> connections = new ArrayList<>(o.connections());
        try {
            for (int i = 0; i < o.connections(); i++) {
                SocketChannel ch = SocketChannel.open();
                connections.add(new Connection(i, ch, o.size()));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(address, CONNECT_TIMEOUT_MS);
                ch.configureBlocking(false);
            }
        } catch (IOException e) {
            exitFailed("cannot open connection " + connections.size() + " of " + o.connections() + " to "
                    + address + ": " + e, connections);
        }

        long t0 = System.nanoTime();
        long warmEnd = t0 + (long) (o.warmupS() * 1e9);
        long end = warmEnd + (long) (o.durationS() * 1e9);
        long stallNs = (long) (o.stallS() * 1e9);
        SelectorLoop[] loops = new SelectorLoop[o.threads()];
        for (int t = 0; t < loops.length; t++) {
            loops[t] = new SelectorLoop(warmEnd, end, stallNs);
        }
        for (Connection c : connections) {
            loops[c.id % loops.length].connections.add(c);
        }
        Thread[] threads = new Thread[loops.length];
        for (int t = 0; t < loops.length; t++) {
            threads[t] = new Thread(loops[t], "w7-client-" + t);
            threads[t].start();
        }
        System.err.printf(Locale.ROOT, "W7LoadClient: %d connections to %s, %d selector threads, size %d, "
                        + "warm-up %.1f s, measured %.1f s, java %s%n",
                o.connections(), address, loops.length, o.size(), o.warmupS(), o.durationS(), Runtime.version());

        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        sleepUntil(warmEnd);
        long cpu0 = os.getProcessCpuTime();
        long server0 = serverCpuNs(o.serverPid());
        sleepUntil(end);
        long cpu1 = os.getProcessCpuTime();
        long server1 = serverCpuNs(o.serverPid());
        for (Thread t : threads) {
            t.join();
        }
        if (FAILURE.get() != null) {
            exitFailed(FAILURE.get(), connections);
        }

        Histogram merged = new Histogram(3);
        long measured = 0;
        long all = 0;
        for (SelectorLoop l : loops) {
            merged.add(l.latencies);
            measured += l.measured;
            all += l.all;
        }
        if (measured == 0) {
            exitFailed("no round trip completed in the measured period (server hung?)", connections);
        }
        long serverCpuMs = server0 >= 0 && server1 >= 0 ? (server1 - server0) / 1_000_000 : -1;
        System.out.printf(Locale.ROOT,
                "W7 connections=%d size=%d threads=%d seconds=%.1f roundtrips=%d rps=%.0f p50_us=%.1f p99_us=%.1f"
                        + " p999_us=%.1f max_us=%.1f mean_us=%.1f client_cpu_ms=%d server_cpu_ms=%d"
                        + " roundtrips_all=%d errors=0%n",
                o.connections(), o.size(), loops.length, o.durationS(), measured, measured / o.durationS(),
                merged.getValueAtPercentile(50) / 1e3, merged.getValueAtPercentile(99) / 1e3,
                merged.getValueAtPercentile(99.9) / 1e3, merged.getMaxValue() / 1e3, merged.getMean() / 1e3,
                (cpu1 - cpu0) / 1_000_000, serverCpuMs, all);
        if (o.resultTags() != null) {
            // The suite's result line (benchmarks/run): the server's CPU is the side's CPU.
            System.out.printf(Locale.ROOT,
                    "RESULT %s iter=1 metric=rate value=%.6g cpu_ms=%d wall_ms=%.1f p50_us=%.1f p99_us=%.1f"
                            + " p999_us=%.1f client_cpu_ms=%d%n",
                    o.resultTags(), measured / o.durationS(), serverCpuMs, o.durationS() * 1e3,
                    merged.getValueAtPercentile(50) / 1e3, merged.getValueAtPercentile(99) / 1e3,
                    merged.getValueAtPercentile(99.9) / 1e3, (cpu1 - cpu0) / 1_000_000);
        }
        System.out.flush();
        closeAll(connections);
        System.exit(0);
    }

    /** CPU time used by process pid so far, or -1 if unknown (no pid given, or it is gone). */
    static long serverCpuNs(long pid) {
        if (pid <= 0) {
            return -1;
        }
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0 && FAILURE.get() == null) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
    }

    private static void startWatchdog(long start, Options o) {
        long limitNs = (long) ((o.warmupS() + o.durationS() + 9) * 1e9);
        Thread dog = new Thread(() -> {
            try {
                long left;
                while ((left = start + limitNs - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
            } catch (InterruptedException e) {
                return;
            }
            String why = FAILURE.get();
            System.err.printf(Locale.ROOT, "W7 FAILED: still running %.1f s after start (server hung?)%s%n",
                    limitNs / 1e9, why == null ? "" : "; first failure: " + why);
            Runtime.getRuntime().halt(1);
        }, "w7-watchdog");
        dog.setDaemon(true);
        dog.start();
    }

    private static void exitFailed(String reason, List<Connection> connections) {
        System.err.println("W7 FAILED: " + reason);
        System.err.flush();
        closeAll(connections);
        System.exit(1);
    }

    private static void closeAll(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // exiting anyway
            }
        }
    }

    static Options parse(String[] args) {
        String host = "127.0.0.1";
        int port = -1;
        int connections = 64;
        int size = 64;
        double warmup = 3;
        double duration = 10;
        int threads = -1;
        long serverPid = -1;
        String resultTags = null;
        double stall = 5;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = (int) parseNumber(a, v, 1, 65535);
                case "--connections" -> connections = (int) parseNumber(a, v, 1, 100_000);
                case "--size" -> size = (int) parseNumber(a, v, 1, 1 << 20);
                case "--warmup" -> warmup = parseNumber(a, v, 0, 3600);
                case "--duration" -> duration = parseNumber(a, v, 0.1, 3600);
                case "--threads" -> threads = (int) parseNumber(a, v, 1, 1024);
                case "--server-pid" -> serverPid = (long) parseNumber(a, v, 1, Long.MAX_VALUE);
                case "--stall" -> stall = parseNumber(a, v, 0.1, 3600);
                case "--result" -> resultTags = v;
                default -> usage("unknown option " + a);
            }
        }
        if (port < 0) {
            usage("--port is required");
        }
        if (threads < 0) {
            threads = Math.min(connections, 2);
        }
        threads = Math.min(threads, connections);
        return new Options(host, port, connections, size, warmup, duration, threads, serverPid, stall, resultTags);
    }

    private static double parseNumber(String option, String value, double min, double max) {
        try {
            double d = Double.parseDouble(value);
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage message
        }
        usage(option + " must be a number in [" + min + ", " + max + "], not " + value);
        return -1;
    }

    private static void usage(String problem) {
        System.err.println("W7LoadClient: " + problem);
        System.err.println("usage: W7LoadClient --port P [--host 127.0.0.1] [--connections 64] [--size 64]"
                + " [--warmup 3] [--duration 10] [--threads min(C,2)] [--server-pid PID] [--stall 5]"
                + " [--result \"workload=W7 shape=c64 side=NAME\" (also print the suite's RESULT line)]");
        System.exit(2);
    }
}
