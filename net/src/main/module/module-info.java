/**
 * kabuki's networking: NIO channels that feed actors. It has no API yet; its package is
 * exported once it does.
 */
module dev.kabuki.net {
    requires transitive dev.kabuki.actors;
}
