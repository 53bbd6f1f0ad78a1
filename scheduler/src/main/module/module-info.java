/**
 * kabuki's core runtime: {@link dev.kabuki.scheduler.JoinHandle}, {@link dev.kabuki.scheduler.JoinSet}
 * and their outcomes are the API; the dispatchers, tasks and the timer
 * ({@code dev.kabuki.scheduler.internal}) are exported only to the kabuki modules built on them.
 */
module dev.kabuki.scheduler {
    requires org.slf4j;
    exports dev.kabuki.scheduler;
    exports dev.kabuki.scheduler.internal to dev.kabuki.blocking, dev.kabuki.actors, dev.kabuki.net;
}
