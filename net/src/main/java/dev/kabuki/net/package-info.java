/**
 * TCP servers and clients whose connections are actors: {@link dev.kabuki.net.TcpServer},
 * {@link dev.kabuki.net.TcpClient}, the events a handler receives ({@link dev.kabuki.net.TcpEvent}),
 * the connection it writes to ({@link dev.kabuki.net.TcpConnection}), codecs
 * ({@link dev.kabuki.net.Framing}, {@link dev.kabuki.net.Codec}) and limits
 * ({@link dev.kabuki.net.TcpOptions}). See docs/net.md.
 */
package dev.kabuki.net;
