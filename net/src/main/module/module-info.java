/**
 * kabuki's networking: TCP servers and clients whose connections are actors, fed by
 * {@code java.nio} selectors the actor system owns.
 */
module dev.kabuki.net {
    requires transitive dev.kabuki.actors;
    requires org.slf4j;
    exports dev.kabuki.net;
}
