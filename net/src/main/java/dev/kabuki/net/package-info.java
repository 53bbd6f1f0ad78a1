/**
 * NIO reactor: TCP servers and clients whose connections are actors.
 *
 * <p>Filled by the net milestone. Nothing here yet.
 */
package dev.kabuki.net;
