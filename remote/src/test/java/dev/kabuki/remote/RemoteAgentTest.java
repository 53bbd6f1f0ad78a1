package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The remote agent's protocol (handshake, heartbeats and failure detection, quarantine,
 * reliable system messages, user frames) on an in-memory network with a manual clock: every
 * step is deterministic, and seconds of protocol time take no real time.
 */
class RemoteAgentTest {
    private static final String COOKIE = "a-cookie-of-sixteen-chars";
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final MemoryNetwork net = new MemoryNetwork(42);

    private static final class Events implements PeerEvents {
        final List<String> log = new ArrayList<>();
        final List<ControlCodec.SystemFrame> system = new ArrayList<>();
        final List<Long> userSeqs = new ArrayList<>();

        @Override
        public void nodeUp(NodeAddress node, long uid) {
            log.add("up " + node.port() + " " + uid);
        }

        @Override
        public void nodeDown(NodeAddress node, long uid, String reason) {
            log.add("down " + node.port() + " " + uid + " " + reason);
        }

        @Override
        public void systemMessage(NodeAddress node, long uid, ControlCodec.SystemFrame frame) {
            system.add(frame);
        }

        @Override
        public void userFrame(NodeAddress node, long uid, DirectBuffer buffer, int offset, int length) {
            assertThat(FrameHeader.originUid(buffer, offset)).isEqualTo(uid);
            userSeqs.add(buffer.getLong(offset + FrameHeader.LENGTH, FrameHeader.ORDER));
        }

        @Override
        public void noRecipient(NodeAddress node, long askId) {
            log.add("no-recipient " + askId);
        }

        long downs() {
            return log.stream().filter(s -> s.startsWith("down")).count();
        }
    }

    private record Node(RemoteAgent agent, Events events, MemoryNetwork.Endpoint endpoint) {
        NodeAddress address() {
            return agent.localAddress();
        }

        long uid() {
            return agent.localUid();
        }
    }

    private Node node(int port, long uid, String cookie) {
        MemoryNetwork.Endpoint e = net.endpoint(port);
        Events events = new Events();
        RemoteSettings settings = RemoteSettings.bind("127.0.0.1", port).cookie(cookie);
        RemoteAgent agent = new RemoteAgent(e, new NodeAddress("sys", "127.0.0.1", port), uid, 99L, settings, events,
                clock::get);
        return new Node(agent, events, e);
    }

    /** Runs a few rounds of every node's work at the current time. */
    private static void settle(Node... nodes) {
        for (int i = 0; i < 8; i++) {
            for (Node n : nodes) {
                if (n != null) {
                    n.agent().doWork();
                }
            }
        }
    }

    /** Advances the clock {@code millis} in steps of 100 ms, settling at each. */
    private void run(long millis, Node... nodes) {
        for (long t = 0; t < millis; t += 100) {
            clock.addAndGet(Duration.ofMillis(100).toNanos());
            settle(nodes);
        }
    }

    private static void sendUser(Node from, Node to, long seq) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[64]);
        FrameHeader.write(b, 0, FrameType.USER, 0, from.uid(), 0L);
        b.putLong(FrameHeader.LENGTH, seq, FrameHeader.ORDER);
        int len = FrameHeader.finish(b, 0, FrameHeader.LENGTH + 8);
        assertThat(from.agent().offerUser(to.address(), b, 0, len)).isTrue();
    }

    @Test
    void twoNodesHandshakeAndExchangeUserFramesInOrder() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        for (long i = 0; i < 100; i++) {
            sendUser(a, b, i); // queued before any handshake: they wait for it
        }
        settle(a, b);
        assertThat(a.events().log).containsExactly("up 1002 22");
        assertThat(b.events().log).containsExactly("up 1001 11");
        settle(a, b);
        assertThat(b.events().userSeqs).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(b.events().userSeqs.get(i)).isEqualTo(i);
        }
    }

    @Test
    void systemMessagesArriveOnceEachInOrderThroughALossyControlStream() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        a.agent().connect(b.address());
        settle(a, b);
        net.controlLoss(0.4);
        for (int i = 0; i < 50; i++) {
            a.agent().sendSystem(b.address(), new ControlCodec.SystemFrame(0, ControlCodec.SystemKind.WATCH, i,
                    "/user/x" + i, 7, "/user/watcher"));
        }
        run(30_000, a, b);
        assertThat(b.events().system).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(b.events().system.get(i).watcheeUid()).isEqualTo(i);
            assertThat(b.events().system.get(i).seq()).isEqualTo(i + 1);
        }
        assertThat(a.events().downs()).as("loss of 40% of control frames is not a failure").isZero();
    }

    @Test
    void anUnreachableNodeIsQuarantinedOnceAfterThePhiThresholdAndItsQueuedFramesDropped() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        a.agent().connect(b.address());
        settle(a, b);
        run(5_000, a, b);
        net.cut(1001, 1002);
        long cutAt = clock.get();
        sendUser(a, b, 1);
        while (a.events().downs() == 0) {
            run(100, a, b);
            assertThat(clock.get() - cutAt).as("detected within 20 s").isLessThan(Duration.ofSeconds(20).toNanos());
        }
        long detectedAfterMillis = (clock.get() - cutAt) / 1_000_000;
        assertThat(detectedAfterMillis).as("not before the acceptable pause").isGreaterThan(10_000);
        assertThat(a.events().log.get(a.events().log.size() - 1)).startsWith("down 1002 22 unreachable");
        run(30_000, a, b);
        assertThat(a.events().downs()).as("one event, not a storm").isEqualTo(1);
        assertThat(b.events().downs()).isEqualTo(1);
        net.heal(1001, 1002);
        run(5_000, a, b);
        sendUser(a, b, 2); // a handshake is tried, and refused: the incarnation is quarantined on both sides
        run(30_000, a, b);
        assertThat(a.events().log).as("a quarantined incarnation never comes back")
                .containsExactly("up 1002 22", "down 1002 22 unreachable: no heartbeat for 13000 ms (phi 10.8)");
        assertThat(b.events().userSeqs).as("nothing sent after the cut arrives").isEmpty();
    }

    @Test
    void aRestartedNodeIsANewIncarnationAndTheOldOneGoesDownQuietly() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        a.agent().connect(b.address());
        settle(a, b);
        b.endpoint().close(); // killed: no leaving notice
        Node b2 = node(1002, 23, COOKIE);
        b2.agent().connect(a.address());
        settle(a, b2);
        run(2_000, a, b2);
        assertThat(a.events().log).containsExactly("up 1002 22", "down 1002 22 restarted as incarnation 23",
                "up 1002 23");
        sendUser(a, b2, 5);
        settle(a, b2);
        assertThat(b2.events().userSeqs).containsExactly(5L);
    }

    @Test
    void aLeavingNodeIsDownAtOnce() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        a.agent().connect(b.address());
        settle(a, b);
        b.agent().close();
        settle(a);
        assertThat(a.events().log).containsExactly("up 1002 22", "down 1002 22 left (shut down)");
    }

    @Test
    void aNodeWithAnotherCookieNeverAssociatesAndTheHandshakeTimesOut() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, "another-cookie-of-16-chars");
        sendUser(a, b, 1);
        run(25_000, a, b);
        assertThat(a.events().log).isEmpty();
        assertThat(b.events().log).isEmpty();
        assertThat(b.events().userSeqs).isEmpty();
        assertThat(a.agent().association(b.address()).state).isEqualTo(Association.State.FAILED);
        assertThat(a.agent().association(b.address()).queue.discardedCount()).isEqualTo(1);
    }

    @Test
    void framesFromAnUnknownIncarnationAreDropped() {
        Node a = node(1001, 11, COOKIE);
        Node b = node(1002, 22, COOKIE);
        // b sends a user frame straight onto a link, with no handshake: a must not deliver it.
        Transport.Link raw = b.endpoint().link("127.0.0.1", 1001);
        UnsafeBuffer f = new UnsafeBuffer(new byte[64]);
        FrameHeader.write(f, 0, FrameType.USER, 0, 22, 11);
        int len = FrameHeader.finish(f, 0, FrameHeader.LENGTH + 8);
        raw.offer(false, f, 0, len);
        settle(a);
        assertThat(a.events().userSeqs).isEmpty();
    }
}
