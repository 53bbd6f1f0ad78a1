package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two remote agents on their own threads over real Aeron on loopback: handshake, order, leave. */
class RemoteAgentAeronTest {
    private static final String COOKIE = "a-cookie-of-sixteen-chars";
    private static final int FRAMES = 100_000;

    @TempDir
    Path base;

    private static final class Events implements PeerEvents {
        final CountDownLatch up = new CountDownLatch(1);
        final CountDownLatch down = new CountDownLatch(1);
        final CountDownLatch allFrames = new CountDownLatch(1);
        final AtomicReference<String> downReason = new AtomicReference<>();
        final AtomicLong nextExpected = new AtomicLong();
        final AtomicReference<String> orderError = new AtomicReference<>();

        @Override
        public void nodeUp(NodeAddress node, long uid) {
            up.countDown();
        }

        @Override
        public void nodeDown(NodeAddress node, long uid, String reason) {
            downReason.set(reason);
            down.countDown();
        }

        @Override
        public void systemMessage(NodeAddress node, long uid, ControlCodec.SystemFrame frame) {
        }

        @Override
        public void userFrame(NodeAddress node, long uid, DirectBuffer buffer, int offset, int length) {
            long seq = buffer.getLong(offset + FrameHeader.LENGTH, FrameHeader.ORDER);
            long expected = nextExpected.getAndIncrement();
            if (seq != expected && orderError.get() == null) {
                orderError.set("frame " + seq + " arrived where " + expected + " was expected");
            }
            if (expected == FRAMES - 1) {
                allFrames.countDown();
            }
        }

        @Override
        public void noRecipient(NodeAddress node, long askId) {
        }
    }

    private record Node(RemoteAgent agent, AgentRunner runner, Events events) {
    }

    private Node start(String system, long uid) {
        AeronTransport t = new AeronTransport(system, "127.0.0.1", 0, base.toString(),
                AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH);
        int port = t.localAddress().getPort();
        Events events = new Events();
        RemoteAgent agent = new RemoteAgent(t, new NodeAddress(system, "127.0.0.1", port), uid, 5L,
                RemoteSettings.bind("127.0.0.1", port).cookie(COOKIE), events, System::nanoTime);
        AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000), Throwable::printStackTrace,
                null, agent);
        AgentRunner.startOnThread(runner);
        return new Node(agent, runner, events);
    }

    @Test
    void twoNodesAssociateCarryUserFramesInOrderAndSeeALeave() throws InterruptedException {
        Node a = start("a", 101);
        Node b = start("b", 202);
        try {
            UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
            NodeAddress to = b.agent().localAddress();
            for (long seq = 0; seq < FRAMES; seq++) {
                FrameHeader.write(frame, 0, FrameType.USER, 0, a.agent().localUid(), 0L);
                frame.putLong(FrameHeader.LENGTH, seq, FrameHeader.ORDER);
                int len = FrameHeader.finish(frame, 0, 100);
                while (!a.agent().offerUser(to, frame, 0, len)) {
                    Thread.onSpinWait(); // the queue is full until the handshake completes and it drains
                }
            }
            assertThat(a.events().up.await(30, TimeUnit.SECONDS)).as("a associated").isTrue();
            assertThat(b.events().up.await(30, TimeUnit.SECONDS)).as("b associated").isTrue();
            assertThat(b.events().allFrames.await(60, TimeUnit.SECONDS)).as("every frame arrived").isTrue();
            assertThat(b.events().orderError.get()).isNull();
            assertThat(b.events().nextExpected.get()).isEqualTo(FRAMES);
        } finally {
            b.runner().close();
        }
        try {
            assertThat(a.events().down.await(30, TimeUnit.SECONDS)).as("a saw b leave").isTrue();
            assertThat(a.events().downReason.get()).isEqualTo("left (shut down)");
        } finally {
            a.runner().close();
        }
        assertThat(base.toFile().list()).as("no Aeron directory left").isEmpty();
    }
}
