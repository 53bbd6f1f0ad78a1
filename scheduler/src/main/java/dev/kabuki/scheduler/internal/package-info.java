/**
 * The core of the kabuki runtime: tasks, {@link dev.kabuki.scheduler.JoinHandle}, the
 * work-stealing core dispatcher, the current-thread dispatcher and the timing wheel (and, for
 * tests, {@link dev.kabuki.scheduler.internal.ManualTimer}: the same timer contract on a manual
 * clock, which a current-thread dispatcher advances step by step).
 *
 * <p>This module knows nothing of actors: it runs {@link dev.kabuki.scheduler.internal.Task}s and hands
 * out join handles. Most users never touch it directly; they hold an {@code ActorSystem}
 * (module {@code actors}), which owns one of each dispatcher and one timer.
 *
 * <h2>Memory-ordering conventions</h2>
 * Concurrent classes here use {@link java.lang.invoke.VarHandle}s with explicit modes, and
 * every such class opens with a design note (state, who writes what, invariants, ordering).
 * The modes are used for one purpose each:
 * <ul>
 *   <li><b>plain</b>: fields only their owner thread reads and writes, or fields published by
 *       a later release store (a task's result, a ring slot before its tail is released);</li>
 *   <li><b>opaque</b>: statistics counters written by one thread and read by any (metrics);
 *       no ordering, just no tearing and eventual visibility;</li>
 *   <li><b>release / acquire</b>: single-writer publication: a producer's {@code setRelease} of
 *       an index or state makes every earlier plain write visible to a consumer whose
 *       {@code getAcquire} reads that value;</li>
 *   <li><b>volatile / compareAndSet</b>: multi-writer state words (task state, run-queue head,
 *       idle state) and every place where a store must be ordered before a later load
 *       (Dekker-style handshakes such as "push work, then check for sleepers" against "announce
 *       sleep, then check for work"): those need sequential consistency, which release/acquire
 *       alone does not give.</li>
 * </ul>
 */
package dev.kabuki.scheduler.internal;
