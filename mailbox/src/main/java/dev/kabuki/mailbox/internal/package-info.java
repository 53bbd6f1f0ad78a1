/**
 * Message queues and the mailbox scheduling state: the pieces the actors module composes into
 * a schedulable mailbox. Knows nothing of dispatchers or actors. Not API: exported only to the
 * actor layer.
 *
 * <ul>
 *   <li>{@link dev.kabuki.mailbox.internal.ManyToOneMessageQueue}: the default, unbounded lock-free
 *       many-producer/one-consumer message lane (48 bytes when empty);</li>
 *   <li>{@link dev.kabuki.mailbox.internal.BoundedMessageQueue} with an
 *       {@link dev.kabuki.mailbox.OverflowPolicy}: opt-in, exact capacity, never blocks;</li>
 *   <li>{@link dev.kabuki.mailbox.internal.SystemMessageQueue}: the system-signal lane, polled first;</li>
 *   <li>{@link dev.kabuki.mailbox.internal.MailboxStatus}: the IDLE / SCHEDULED / CLOSED word and the
 *       idle-race protocol every sender and consumer follows.</li>
 * </ul>
 *
 * <h2>Memory-ordering conventions</h2>
 * Concurrent classes use {@link java.lang.invoke.VarHandle}s with explicit modes, one purpose
 * each:
 * <ul>
 *   <li><b>plain</b>: consumer-owned fields, and node fields written before the atomic that
 *       publishes the node;</li>
 *   <li><b>release / acquire</b>: single-writer publication (linking {@code prev.next}, moving
 *       the consumer's {@code head}), read by acquire loads;</li>
 *   <li><b>volatile / compareAndSet / getAndSet</b>: multi-writer words (queue tail, stack top,
 *       status word, bounded count) and the idle handshake, a Dekker pattern (append then read
 *       status, against release status then read queue) that needs sequential consistency.</li>
 * </ul>
 */
package dev.kabuki.mailbox.internal;
