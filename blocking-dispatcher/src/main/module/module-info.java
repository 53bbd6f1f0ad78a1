/**
 * kabuki's elastic blocking pool. Users reach it through {@code ActorSystem.spawnBlocking} and
 * see only its metrics and shutdown report ({@code dev.kabuki.blocking}); the pool itself is
 * exported only to the actor layer.
 */
module dev.kabuki.blocking {
    requires transitive dev.kabuki.scheduler;
    requires org.slf4j;
    exports dev.kabuki.blocking;
    exports dev.kabuki.blocking.internal to dev.kabuki.actors;
}
