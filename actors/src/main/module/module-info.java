/**
 * kabuki's actors and the runtime a program holds, {@link dev.kabuki.actors.ActorSystem}.
 * Its API names types of the scheduler ({@code JoinHandle}), the mailbox
 * ({@code OverflowPolicy}) and the blocking pool (its metrics), so it requires them
 * transitively.
 */
module dev.kabuki.actors {
    requires transitive dev.kabuki.scheduler;
    requires transitive dev.kabuki.blocking;
    requires transitive dev.kabuki.mailbox;
    requires org.slf4j;
    exports dev.kabuki.actors;
    exports dev.kabuki.actors.internal to dev.kabuki.net, dev.kabuki.remote;
}
