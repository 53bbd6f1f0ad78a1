package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.net.CloseReason;
import dev.kabuki.net.TcpConnection;
import dev.kabuki.net.TcpEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of one {@link ChatServer} connection: turns the client's lines into
 * {@link ChatRoom} messages, and takes the member out of the room when the connection closes.
 * It writes nothing itself (the room writes every line, see {@link ChatRoom}).
 *
 * <p>Invariant: a session that told the room {@link ChatRoom.Join} tells it {@link ChatRoom.Leave}
 * exactly once, on {@link TcpEvent.Closed}, or from {@code onStop} if it stops without one (it
 * failed). Only at the system's shutdown does it tell nothing: the room is stopping too.
 */
final class ChatSession implements Actor<TcpEvent<String>> {
    private static final Logger LOG = LoggerFactory.getLogger(ChatSession.class);

    private final TcpConnection<String> conn;
    private final ActorRef<ChatRoom.Msg> room;
    private boolean inRoom;

    ChatSession(TcpConnection<String> conn, ActorRef<ChatRoom.Msg> room) {
        this.conn = conn;
        this.room = room;
    }

    @Override
    public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
        switch (event) {
            case TcpEvent.Connected<String> connected -> {
                room.tell(new ChatRoom.Join(conn));
                inRoom = true;
            }
            case TcpEvent.Received<String>(String line) -> onLine(line);
            case TcpEvent.Closed<String>(CloseReason reason) -> {
                logClose(reason);
                leave(reason);
            }
            // The room writes regardless of Unwritable: a client too slow for that is closed at
            // the outbound limit. PeerClosed is not delivered (half-closure is off).
            case TcpEvent.Unwritable<String> unwritable -> { }
            case TcpEvent.Writable<String> writable -> { }
            case TcpEvent.PeerClosed<String> peerClosed -> { }
        }
    }

    private void onLine(String line) {
        String command = line.strip();
        if (command.equals("/quit")) {
            conn.close(); // Closed follows, and with it the Leave
        } else if (command.equals("/nick") || command.startsWith("/nick ")) {
            room.tell(new ChatRoom.Nick(conn.id(), command.substring("/nick".length()).strip()));
        } else if (!line.isBlank()) {
            room.tell(new ChatRoom.Say(conn.id(), line));
        }
    }

    private void logClose(CloseReason reason) {
        switch (reason.kind()) {
            case OUTBOUND_OVERFLOW, IDLE_TIMEOUT, DECODING_FAILED ->
                    LOG.info("chat connection {} from {} disconnected: {}", conn.id(), conn.remoteAddress(), reason);
            default -> LOG.debug("chat connection {} from {} closed: {}", conn.id(), conn.remoteAddress(), reason);
        }
    }

    private void leave(CloseReason reason) {
        if (inRoom) {
            inRoom = false;
            room.tell(new ChatRoom.Leave(conn.id(), reason));
        }
    }

    @Override
    public void onStop(ActorContext<TcpEvent<String>> ctx) {
        if (inRoom && !ctx.system().isShutdown()) {
            leave(conn.closeReason().orElseGet(
                    () -> CloseReason.of(CloseReason.Kind.HANDLER_STOPPED, "the chat session stopped")));
        }
    }
}
