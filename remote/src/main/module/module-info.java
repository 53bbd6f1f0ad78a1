/**
 * kabuki's remote actors: actors in other JVMs over Aeron (work in progress; see
 * docs/remote-research.md).
 */
module dev.kabuki.remote {
    requires transitive dev.kabuki.actors;
    requires org.agrona;
    requires io.aeron.client;
    requires io.aeron.driver;
    requires org.slf4j;
    exports dev.kabuki.remote;
}
