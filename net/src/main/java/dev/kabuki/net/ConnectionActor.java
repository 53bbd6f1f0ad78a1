package dev.kabuki.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import java.util.Objects;
import java.util.function.Function;

/**
 * The actor a connection's handler runs inside: it turns the driver's envelopes into
 * {@link TcpEvent}s for the user's handler (through the adapter when the handler's message type
 * is its own), returns inbound credit once a frame is processed, stops after
 * {@link TcpEvent.Closed}, and closes the connection when the handler stops or fails while it is
 * open. Other messages (the handler's own, piped results) pass through unchanged.
 *
 * <p>The driver tells envelopes through the handler's {@code ActorRef<M>} although they are not
 * {@code M}s: messages are erased in the mailbox, and this class checks for an envelope before
 * handing anything to the user's code, so no user code ever sees one. Users cannot make one
 * (package-private).
 */
final class ConnectionActor<F, M> implements Actor<M> {

    /** The driver asks for a graceful close once the handler has processed what came before. */
    record CloseRequest(CloseReason reason) {
    }

    /** A driver event (or a {@link CloseRequest}) on its way to the handler. */
    record Envelope(Object event) {
        static final Envelope CONNECTED = new Envelope(new TcpEvent.Connected<>());
        static final Envelope WRITABLE = new Envelope(new TcpEvent.Writable<>());
        static final Envelope UNWRITABLE = new Envelope(new TcpEvent.Unwritable<>());
        /** The peer's end of stream; becomes PeerClosed or a graceful close here. */
        static final Envelope PEER_EOF = new Envelope(new TcpEvent.PeerClosed<>());
    }

    private final TcpConnectionImpl<F> conn;
    private final Function<? super TcpConnection<F>, ? extends Actor<M>> factory;
    private final Function<? super TcpEvent<F>, ? extends M> adapter;
    private Actor<M> handler;
    /** What the handler last threw, for the close reason if it is stopped for it. */
    private Throwable failure;

    ConnectionActor(TcpConnectionImpl<F> conn, Function<? super TcpConnection<F>, ? extends Actor<M>> factory,
                    Function<? super TcpEvent<F>, ? extends M> adapter) {
        this.conn = conn;
        this.factory = factory;
        this.adapter = adapter;
    }

    @Override
    public void onStart(ActorContext<M> ctx) throws Exception {
        try {
            handler = Objects.requireNonNull(factory.apply(conn), "the handler factory returned null");
            handler.onStart(ctx);
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        }
    }

    @Override
    public void onRestart(ActorContext<M> ctx, Throwable cause) throws Exception {
        failure = null;
        try {
            handler = Objects.requireNonNull(factory.apply(conn), "the handler factory returned null");
            handler.onRestart(ctx, cause);
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void receive(ActorContext<M> ctx, M message) throws Exception {
        Object raw = message;
        if (!(raw instanceof Envelope envelope)) {
            deliver(ctx, message);
            return;
        }
        if (envelope == Envelope.PEER_EOF && !conn.allowHalfClosure()) {
            conn.requestClose(CloseReason.of(CloseReason.Kind.PEER_CLOSED, "the peer closed the connection"), false);
            return;
        }
        if (envelope.event() instanceof CloseRequest request) {
            conn.requestClose(request.reason(), false);
            return;
        }
        TcpEvent<F> event = (TcpEvent<F>) envelope.event();
        try {
            deliver(ctx, adapter.apply(event));
        } finally {
            if (event instanceof TcpEvent.Received) {
                conn.frameProcessed();
            } else if (event instanceof TcpEvent.Closed) {
                ctx.stopSelf();
            }
        }
    }

    private void deliver(ActorContext<M> ctx, M message) throws Exception {
        try {
            handler.receive(ctx, message);
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        }
    }

    @Override
    public void onTerminated(ActorContext<M> ctx, ActorRef<?> actor) throws Exception {
        handler.onTerminated(ctx, actor);
    }

    @Override
    public void onChildRestarted(ActorContext<M> ctx, ActorRef<?> child, Throwable cause) throws Exception {
        handler.onChildRestarted(ctx, child, cause);
    }

    @Override
    public void onStop(ActorContext<M> ctx) throws Exception {
        try {
            if (handler != null) {
                handler.onStop(ctx);
            }
        } finally {
            CloseReason reason;
            if (ctx.system().isShutdown()) {
                reason = CloseReason.of(CloseReason.Kind.SYSTEM_SHUTDOWN, "the actor system shut down");
            } else if (failure != null) {
                reason = new CloseReason(CloseReason.Kind.HANDLER_FAILED, "the handler failed: " + failure, failure);
            } else {
                reason = CloseReason.of(CloseReason.Kind.HANDLER_STOPPED, "the handler actor stopped");
            }
            conn.handlerStopped(reason);
        }
    }
}
