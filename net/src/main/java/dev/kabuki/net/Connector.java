package dev.kabuki.net;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A client socket whose connect is under way, on a loop: completes on {@code OP_CONNECT}, fails
 * at the connect timeout (the loop's sweep) or when the loop closes.
 */
final class Connector implements IoLoop.Selectable {
    /** What to do with the outcome; called once, on the loop thread. */
    interface Outcome {
        /** Connected; {@code key} is the channel's registration on {@code loop} (null if none), to be reused. */
        void connected(SocketChannel channel, IoLoop loop, SelectionKey key);

        void failed(Exception cause);
    }

    private final SocketChannel channel;
    private final InetSocketAddress target;
    private final long deadline;
    private final TcpOptions options;
    private final IoLoop loop;
    private final Outcome outcome;
    private SelectionKey key;
    private boolean done;

    Connector(SocketChannel channel, InetSocketAddress target, TcpOptions options, IoLoop loop, Outcome outcome) {
        this.channel = channel;
        this.target = target;
        this.options = options;
        this.loop = loop;
        this.outcome = outcome;
        this.deadline = System.nanoTime() + options.connectTimeout().toNanos();
    }

    /** Loop thread: starts the connect. */
    void start() {
        try {
            channel.configureBlocking(false);
            if (channel.connect(target)) {
                succeed();
                return;
            }
            key = loop.register(channel, SelectionKey.OP_CONNECT, this);
            if (options.connectTimeout().isPositive()) {
                loop.sweep(this);
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    @Override
    public void onReady(SelectionKey k, int readyOps) {
        if ((readyOps & SelectionKey.OP_CONNECT) == 0 || done) {
            return;
        }
        try {
            if (channel.finishConnect()) {
                succeed();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    @Override
    public void onSweep(long now) {
        if (!done && now - deadline >= 0) {
            fail(new ConnectException("connect to " + target + " timed out after " + options.connectTimeout()));
        }
    }

    @Override
    public void onLoopClosed() {
        fail(new IllegalStateException("the actor system shut down while connecting to " + target));
    }

    private void succeed() {
        done = true;
        loop.unsweep(this);
        outcome.connected(channel, loop, key);
    }

    private void fail(Exception e) {
        if (done) {
            return;
        }
        done = true;
        loop.unsweep(this);
        if (key != null) {
            key.cancel();
        }
        IoDriver.closeQuietly(channel);
        Exception cause = e;
        if (e instanceof IOException io && !String.valueOf(io.getMessage()).contains(target.toString())) {
            ConnectException ce = new ConnectException("connect to " + target + " failed: " + io.getMessage());
            ce.initCause(io);
            cause = ce;
        }
        outcome.failed(cause);
    }
}
