/**
 * The one mailbox type users name: {@link dev.kabuki.mailbox.OverflowPolicy}, what a send to a
 * full bounded mailbox does.
 */
package dev.kabuki.mailbox;
