/**
 * What a program gets back from the kabuki runtime: {@link dev.kabuki.scheduler.JoinHandle},
 * the one future type (the output of a task or of an ask), {@link dev.kabuki.scheduler.JoinSet}
 * for structured concurrency, the exceptions that name each outcome, and
 * {@link dev.kabuki.scheduler.Cancellable} timers. The runtime itself is
 * {@code dev.kabuki.actors.ActorSystem}.
 */
package dev.kabuki.scheduler;
