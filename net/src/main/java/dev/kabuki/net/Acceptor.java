package dev.kabuki.net;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket on a loop: accepts, applies the connection limit, and hands each accepted
 * channel to the driver, which starts it on the next loop.
 */
final class Acceptor implements IoLoop.Selectable {
    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);
    /** Connections accepted per readiness event, so one busy listener cannot hog its loop. */
    private static final int ACCEPTS_PER_EVENT = 64;

    private final ServerSocketChannel listener;
    private final TcpServer server;
    private SelectionKey key;

    Acceptor(ServerSocketChannel listener, TcpServer server) {
        this.listener = listener;
        this.server = server;
    }

    /** Loop thread. */
    void register(IoLoop loop) throws IOException {
        key = loop.register(listener, SelectionKey.OP_ACCEPT, this);
    }

    @Override
    public void onReady(SelectionKey k, int readyOps) {
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                // EMFILE and the like: log, and let the next readiness event try again
                LOG.warn("{}: accept failed: {}", server.label(), e.toString());
                return;
            }
            if (ch == null) {
                return;
            }
            server.accepted(ch);
        }
    }

    /** Loop thread: stop listening. */
    void close() {
        if (key != null) {
            key.cancel();
        }
        IoDriver.closeQuietly(listener);
    }

    @Override
    public void onLoopClosed() {
        close();
    }
}
