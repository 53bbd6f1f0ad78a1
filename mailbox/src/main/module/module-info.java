/**
 * kabuki's mailbox: message queues and the mailbox status word. Users see only
 * {@link dev.kabuki.mailbox.OverflowPolicy}; the queues and the status word are the actor
 * layer's internals, exported to it alone.
 */
module dev.kabuki.mailbox {
    exports dev.kabuki.mailbox;
    exports dev.kabuki.mailbox.internal to dev.kabuki.actors;
}
