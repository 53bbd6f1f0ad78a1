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
    // Jackson CBOR, the non-default message serializer: optional dependencies.
    requires static com.fasterxml.jackson.databind;
    requires static com.fasterxml.jackson.dataformat.cbor;
    requires static com.fasterxml.jackson.datatype.jdk8;
    exports dev.kabuki.remote;
}
