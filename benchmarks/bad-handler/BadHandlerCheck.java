import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.net.Framing;
import dev.kabuki.net.TcpConnection;
import dev.kabuki.net.TcpEvent;
import dev.kabuki.net.TcpServer;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The "bad handler" check of docs/net-driver-research.md (section 6): while C connections echo
 * 64-byte messages (one outstanding each), one more connection's handler spins 50 ms per
 * message; prints the others' round trips/s and latency percentiles. Server and client share
 * one JVM (a relative check of the two driver modes, not a W7 figure).
 *
 * <pre>
 * CP=examples/target/classes:$(cat examples/target/runtime.classpath)
 * java [-Dkabuki.net.driver=worker-polled] -cp "$CP" benchmarks/bad-handler/BadHandlerCheck.java [C] [seconds] [slow: 1|0]
 * </pre>
 */
public class BadHandlerCheck {
    record Echo(TcpConnection<ByteBuffer> conn) implements Actor<TcpEvent<ByteBuffer>> {
        @Override
        public void receive(ActorContext<TcpEvent<ByteBuffer>> ctx, TcpEvent<ByteBuffer> event) {
            if (event instanceof TcpEvent.Received<ByteBuffer>(ByteBuffer chunk)) {
                if (chunk.remaining() > 0 && chunk.get(chunk.position()) == 'S') {
                    long end = System.nanoTime() + 50_000_000L;
                    while (System.nanoTime() - end < 0) {
                        Thread.onSpinWait();
                    }
                }
                conn.write(chunk);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int c = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        boolean slow = args.length <= 2 || !args[2].equals("0");
        try (ActorSystem system = ActorSystem.builder().build()) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.raw(), Echo::new);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong slowTrips = new AtomicLong();
            Thread slowClient = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    byte[] msg = new byte[64];
                    Arrays.fill(msg, (byte) 'S');
                    while (!stop.get()) {
                        out.write(msg);
                        in.readFully(new byte[64]);
                        slowTrips.incrementAndGet();
                    }
                } catch (Exception e) {
                    if (!stop.get()) {
                        e.printStackTrace();
                    }
                }
            }, "slow-client");
            slowClient.setDaemon(true);
            if (slow) {
                slowClient.start();
            }
            Selector sel = Selector.open();
            SocketChannel[] chs = new SocketChannel[c];
            long[] sentAt = new long[c];
            ByteBuffer[] bufs = new ByteBuffer[c];
            ByteBuffer msg = ByteBuffer.allocate(64);
            for (int i = 0; i < c; i++) {
                chs[i] = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
                chs[i].setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                chs[i].configureBlocking(false);
                chs[i].register(sel, SelectionKey.OP_READ, i);
                bufs[i] = ByteBuffer.allocate(64);
            }
            long warmEnd = System.nanoTime() + 2_000_000_000L;
            long end = warmEnd + seconds * 1_000_000_000L;
            long[] lat = new long[1 << 24];
            int n = 0;
            for (int i = 0; i < c; i++) {
                sentAt[i] = System.nanoTime();
                chs[i].write(msg.clear());
            }
            long slowAtStart = -1;
            while (true) {
                long now = System.nanoTime();
                if (now - end >= 0) {
                    break;
                }
                if (slowAtStart < 0 && now - warmEnd >= 0) {
                    slowAtStart = slowTrips.get();
                }
                sel.select(100);
                for (SelectionKey k : sel.selectedKeys()) {
                    int i = (Integer) k.attachment();
                    ByteBuffer b = bufs[i];
                    chs[i].read(b);
                    if (!b.hasRemaining()) {
                        long t = System.nanoTime();
                        if (t - warmEnd >= 0 && n < lat.length) {
                            lat[n++] = t - sentAt[i];
                        }
                        b.clear();
                        sentAt[i] = t;
                        chs[i].write(msg.clear());
                    }
                }
                sel.selectedKeys().clear();
            }
            stop.set(true);
            long[] l = Arrays.copyOf(lat, n);
            Arrays.sort(l);
            System.out.printf("mode=%s C=%d slow=%b seconds=%d rps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f slow_trips=%d%n",
                    System.getProperty("kabuki.net.driver", "dedicated"), c, slow, seconds, n / (double) seconds,
                    pct(l, 0.50), pct(l, 0.99), pct(l, 0.999), n == 0 ? 0.0 : l[n - 1] / 1e3,
                    slowAtStart < 0 ? 0 : slowTrips.get() - slowAtStart);
            for (SocketChannel ch : chs) {
                ch.close();
            }
        }
    }

    static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e3;
    }
}
