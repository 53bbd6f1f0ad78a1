package dev.kabuki.remote;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An in-memory stand-in for the network and the Aeron transport, for single-threaded tests of
 * the remote agent: endpoints by port on one host, frames copied into the receiver's inbox,
 * per-link cuts (a partition), and random loss of control frames. Not thread-safe: a test steps
 * every agent from its own thread.
 */
final class MemoryNetwork {
    private final Map<Integer, Endpoint> endpoints = new HashMap<>();
    private final Set<String> cut = new HashSet<>();
    private final Random random;
    private double controlLoss;
    private int nextSession = 1;

    MemoryNetwork(long seed) {
        this.random = new Random(seed);
    }

    /** Control frames are lost with this probability (ordinary frames never: Aeron retransmits them). */
    void controlLoss(double probability) {
        this.controlLoss = probability;
    }

    /** Frames between the two ports are lost, both ways, until {@link #heal}. */
    void cut(int portA, int portB) {
        cut.add(key(portA, portB));
    }

    void heal(int portA, int portB) {
        cut.remove(key(portA, portB));
    }

    private static String key(int a, int b) {
        return Math.min(a, b) + "-" + Math.max(a, b);
    }

    Endpoint endpoint(int port) {
        Endpoint e = new Endpoint(port);
        if (endpoints.putIfAbsent(port, e) != null) {
            throw new IllegalStateException("port " + port + " in use");
        }
        return e;
    }

    private record Frame(boolean control, byte[] bytes, int session) {
    }

    final class Endpoint implements Transport {
        private final int port;
        private final ArrayDeque<Frame> inbox = new ArrayDeque<>();
        private boolean closed;

        private Endpoint(int port) {
            this.port = port;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", port);
        }

        @Override
        public Link link(String host, int peerPort) {
            int session = nextSession++;
            return new Link() {
                private boolean linkClosed;

                @Override
                public Offer offer(boolean control, DirectBuffer buffer, int offset, int length) {
                    if (linkClosed || closed) {
                        return Offer.CLOSED;
                    }
                    Endpoint peer = endpoints.get(peerPort);
                    if (peer == null || peer.closed) {
                        return Offer.NOT_CONNECTED;
                    }
                    if (cut.contains(key(port, peerPort)) || control && random.nextDouble() < controlLoss) {
                        return Offer.SENT; // lost on the way
                    }
                    byte[] copy = new byte[length];
                    buffer.getBytes(offset, copy);
                    peer.inbox.add(new Frame(control, copy, session));
                    return Offer.SENT;
                }

                @Override
                public boolean isConnected() {
                    Endpoint peer = endpoints.get(peerPort);
                    return peer != null && !peer.closed;
                }

                @Override
                public int maxFrameLength(boolean control) {
                    return 1 << 16;
                }

                @Override
                public void close() {
                    linkClosed = true;
                }
            };
        }

        @Override
        public int poll(FrameHandler handler, int limit) {
            int n = 0;
            Frame f;
            while (n < limit && (f = inbox.poll()) != null) {
                handler.onFrame(f.control(), new UnsafeBuffer(f.bytes()), 0, f.bytes().length, f.session());
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            closed = true;
            endpoints.remove(port, this);
        }
    }
}
