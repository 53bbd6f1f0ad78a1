/**
 * Runnable TCP servers built on kabuki-net: {@link dev.kabuki.examples.net.EchoServer} and
 * {@link dev.kabuki.examples.net.ChatServer}.
 *
 * <p>Every server here is a program with the same contract, which scripts and benchmarks rely
 * on: flags {@code --host} (default {@code 127.0.0.1}) and {@code --port} (0 = any free port, the
 * default) plus its own ({@link dev.kabuki.examples.net.ServerArgs}); exactly one line on stdout,
 * {@code listening on <ip>:<port>}, once it accepts connections, everything else on stderr; an
 * unknown flag prints the usage on stderr and exits with status 2; SIGINT and SIGTERM close the
 * actor system through a shutdown hook and the JVM exits with 130 or 143
 * ({@code ServerProcess}). Each server also has a {@code start(ActorSystem, host, port, options)}
 * that binds it inside a program of your own and returns the {@link dev.kabuki.net.TcpServer}.
 */
package dev.kabuki.examples.net;
