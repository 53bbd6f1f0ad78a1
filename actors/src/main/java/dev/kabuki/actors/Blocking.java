package dev.kabuki.actors;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Tags an actor class whose {@code receive} blocks (file or socket I/O, JDBC, sleeps, locks):
 * its activations run on the blocking dispatcher instead of a core worker, so its blocking never
 * delays core actors. Read once, when the actor is spawned; the same as spawning with
 * {@link ActorOptions#runOnBlockingDispatcher()}. A blocking actor still processes one message at a time.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Blocking {
}
