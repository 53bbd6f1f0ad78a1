/**
 * The elastic blocking dispatcher: {@link dev.kabuki.blocking.internal.ElasticBlockingPool}, where
 * kabuki runs work that blocks (file and JDBC calls, {@code spawnBlocking}, actors tagged
 * blocking) so that it never stalls a core worker.
 *
 * <p>Threads are created on demand up to {@code maxBlockingThreads} (default 512); beyond that,
 * work waits in a FIFO queue; a thread idle for {@code threadKeepAlive} (default 10 s) exits.
 * Not API: exported only to the actor layer. Users reach the pool through
 * {@code ActorSystem.spawnBlocking}; the runtime's builder forwards its settings to {@link dev.kabuki.blocking.internal.ElasticBlockingPool.Builder}.
 *
 * <h2>Memory-ordering conventions</h2>
 * The pool's shared state lives in {@code java.util.concurrent} atomics and a
 * {@link java.util.concurrent.LinkedTransferQueue}; every access is volatile or a CAS, because
 * its hand-shakes (offer a task, then read the thread count; give a thread slot back, then read
 * the queue) are store-then-load patterns across two variables that need sequential
 * consistency. The design note at the top of {@code ElasticBlockingPool}'s body states who
 * writes what and argues why no queued task is ever left without a thread.
 */
package dev.kabuki.blocking.internal;
