package dev.kabuki.actors;

/**
 * How a {@link Router} picks the one routee a message goes to. Either way the choice is made on
 * the sender's thread, from the router's current snapshot of routees, without an extra hop.
 */
public enum RoutingLogic {
    /**
     * Each routee in turn, by a counter shared by every sender: over {@code k * n} messages to
     * {@code n} unchanging routees, each gets exactly {@code k}. The default.
     */
    ROUND_ROBIN,
    /**
     * The routee with the fewest messages waiting in its mailbox ({@link ActorRef#mailboxDepth()},
     * an O(1) snapshot), the scan starting at a rotating position so that routees with equal
     * depths share the load; a routee found empty is taken at once. The depth does not count the
     * message a routee is handling right now, so a busy routee with an empty mailbox looks idle
     * until a second message waits for it. Routees that are not kabuki actors count as empty.
     */
    SMALLEST_MAILBOX
}
