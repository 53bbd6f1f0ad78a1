package dev.kabuki.remote;

/**
 * An ask to an actor on another node failed because that node is gone (unreachable past the
 * failure detector's threshold, left, or restarted) before it answered. The message names the
 * node and the reason; the ask fails as soon as the node is known to be down, not at its timeout.
 */
public class RemoteNodeDownException extends RuntimeException {
    private final NodeAddress node;

    public RemoteNodeDownException(NodeAddress node, String reason) {
        super("node " + node + " is down (" + reason + ")", null, false, false);
        this.node = node;
    }

    /** The node that went down. */
    public NodeAddress node() {
        return node;
    }
}
