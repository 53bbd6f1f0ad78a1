package dev.kabuki.remote;

/**
 * What {@link RemoteActors#subscribe} tells a subscriber about the other nodes: a node came up
 * (a handshake with one of its incarnations completed) or went down (that incarnation is gone
 * for good: unreachable, left, restarted). Events about one node arrive in the order they
 * happened.
 */
public sealed interface NodeEvent {
    /** The node the event is about. */
    NodeAddress node();

    /** A handshake with {@code node} completed: messages flow both ways. */
    record NodeUp(NodeAddress node) implements NodeEvent {
    }

    /**
     * {@code node}'s incarnation is gone: watchers of its actors got {@code Terminated}, asks to
     * them failed. A node that restarts comes up again as a new incarnation.
     */
    record NodeDown(NodeAddress node, String reason) implements NodeEvent {
    }
}
