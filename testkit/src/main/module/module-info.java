/**
 * kabuki's testkit: {@link dev.kabuki.testkit.ActorTestKit} (an actor system on manual time),
 * {@link dev.kabuki.testkit.TestProbe} and the JUnit 5 extension
 * {@link dev.kabuki.testkit.ActorTestKitExtension}. Its API names the actors' types and
 * JUnit's extension interfaces, so it requires both transitively.
 */
module dev.kabuki.testkit {
    requires transitive dev.kabuki.actors;
    requires transitive org.junit.jupiter.api;
    exports dev.kabuki.testkit;
}
