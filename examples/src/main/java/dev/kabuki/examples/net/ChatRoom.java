package dev.kabuki.examples.net;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.net.CloseReason;
import dev.kabuki.net.TcpConnection;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The room of {@link ChatServer}: who is present under which name, and the writing of every line
 * a member receives.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>This actor is the only writer of lines to members' connections, so every member receives
 *       the room's lines in the one order the room handled them; lines from one member reach the
 *       others in the order that member sent them (its session tells them in that order).</li>
 *   <li>Names are unique in the room. A member is {@code guest-<connection id>} until it picks a
 *       name; picked names may not start with {@code guest-}, so no guest name is ever taken.</li>
 *   <li>The room never waits for a member: {@link TcpConnection#write} only queues. A member
 *       that does not read is disconnected by its connection's outbound limit, and leaves like
 *       any other member (its session tells {@link Leave}); the others are not held up.</li>
 * </ul>
 *
 * <h2>Lines a member receives</h2>
 * Chat lines are {@code NAME: text}; the room's own lines start with {@code "* "}:
 * {@code * you are guest-7 (...)} on joining, {@code * guest-7 joined},
 * {@code * you are now alice}, {@code * guest-7 is now alice}, {@code * alice left},
 * {@code * alice was disconnected (not reading)}, and refusals of {@code /nick}.
 */
final class ChatRoom implements Actor<ChatRoom.Msg> {
    /** A name a member may pick: 1 to 32 letters, digits, '-' or '_'. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    static final String GUEST_PREFIX = "guest-";

    /** What the sessions tell the room. Members are named by their connection's id. */
    sealed interface Msg permits Join, Nick, Say, Leave {
    }

    /** A connection opened: it joins under a guest name. */
    record Join(TcpConnection<String> conn) implements Msg {
    }

    /** The member asked for a name ({@code /nick NAME}). */
    record Nick(long member, String name) implements Msg {
    }

    /** The member said a line to everyone else. */
    record Say(long member, String text) implements Msg {
    }

    /** The member's connection closed, for this reason. */
    record Leave(long member, CloseReason reason) implements Msg {
    }

    /** Who left and why, as the room reports it to its observer. */
    record Departure(String name, InetSocketAddress peer, CloseReason reason) {
    }

    private record Member(TcpConnection<String> conn, String name) {
    }

    /** Members by connection id, in the order they joined. */
    private final Map<Long, Member> members = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Consumer<? super Departure> departures;

    /** @param departures told of each member that leaves, on the room's thread; must not block */
    ChatRoom(Consumer<? super Departure> departures) {
        this.departures = departures;
    }

    @Override
    public void receive(ActorContext<Msg> ctx, Msg msg) {
        switch (msg) {
            case Join join -> join(join.conn());
            case Nick nick -> rename(nick.member(), nick.name());
            case Say say -> say(say.member(), say.text());
            case Leave leave -> leave(leave.member(), leave.reason());
        }
    }

    private void join(TcpConnection<String> conn) {
        Member m = new Member(conn, GUEST_PREFIX + conn.id());
        members.put(conn.id(), m);
        names.add(m.name());
        conn.write("* you are " + m.name() + " (/nick NAME to rename, /quit to leave)");
        broadcast(conn.id(), "* " + m.name() + " joined");
    }

    private void rename(long id, String name) {
        Member m = members.get(id);
        if (m == null) {
            return; // left meanwhile
        }
        if (name.equals(m.name())) {
            m.conn().write("* you are now " + name);
        } else if (!NAME.matcher(name).matches() || name.startsWith(GUEST_PREFIX)) {
            m.conn().write("* invalid name '" + name + "': 1 to 32 letters, digits, '-' or '_', not starting with "
                    + GUEST_PREFIX);
        } else if (names.contains(name)) {
            m.conn().write("* " + name + " is taken");
        } else {
            names.remove(m.name());
            names.add(name);
            members.put(id, new Member(m.conn(), name));
            m.conn().write("* you are now " + name);
            broadcast(id, "* " + m.name() + " is now " + name);
        }
    }

    private void say(long id, String text) {
        Member m = members.get(id);
        if (m != null) {
            broadcast(id, m.name() + ": " + text);
        }
    }

    private void leave(long id, CloseReason reason) {
        Member m = members.remove(id);
        if (m == null) {
            return;
        }
        names.remove(m.name());
        broadcast(id, "* " + m.name() + departureText(reason.kind()));
        departures.accept(new Departure(m.name(), m.conn().remoteAddress(), reason));
    }

    private static String departureText(CloseReason.Kind kind) {
        return switch (kind) {
            case OUTBOUND_OVERFLOW -> " was disconnected (not reading)";
            case IDLE_TIMEOUT -> " was disconnected (idle)";
            case DECODING_FAILED -> " was disconnected (line too long)";
            case RESET, IO_ERROR -> " left (connection lost)";
            default -> " left"; // quit, closed by the client, the server closing
        };
    }

    /** Writes {@code line} to every member but {@code except}; a closing member's write is dropped. */
    private void broadcast(long except, String line) {
        for (Member m : members.values()) {
            if (m.conn().id() != except) {
                m.conn().write(line);
            }
        }
    }
}
