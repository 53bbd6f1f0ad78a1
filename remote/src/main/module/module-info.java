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
    requires org.apache.fory.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.cbor;
    requires com.fasterxml.jackson.datatype.jdk8;
    exports dev.kabuki.remote;
}
