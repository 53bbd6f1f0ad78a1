/**
 * Message queues and the mailbox scheduling state (idle / scheduled / closed).
 *
 * <p>Filled by the actors milestone: a lock-free many-producer/one-consumer mailbox queue, a
 * bounded variant with an overflow policy, and the system-signal lane. Nothing here yet.
 */
package dev.kabuki.mailbox;
