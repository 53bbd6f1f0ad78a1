/**
 * Testing actors: {@link dev.kabuki.testkit.ActorTestKit} (an actor system for one test, on
 * manual time by default), {@link dev.kabuki.testkit.TestProbe} (an actor the test reads) and
 * {@link dev.kabuki.testkit.ActorTestKitExtension} (a fresh kit per JUnit 5 test, checked when
 * the test ends).
 *
 * <h2>Rules of time</h2>
 * <ul>
 *   <li>On a paused kit the clock moves only with {@code kit.advance(d)} and
 *       {@code probe.expectNoMessage(d)}; both run every timer and message due within
 *       {@code d}, in deadline order, on the test's thread, without sleeping.</li>
 *   <li>Waiting for a message ({@code expectMessage}, {@code receiveMessages},
 *       {@code expectTerminated}) runs what is ready and waits in real time, but never moves
 *       the clock.</li>
 *   <li>Actors tagged blocking and blocking tasks run on real threads, in real time, on every
 *       kit.</li>
 * </ul>
 *
 * <p>Built on kabuki's public API only ({@code ActorSystem.Builder.startPaused},
 * {@code advanceTime}, {@code runUntilIdle}, death watch, dead letters).
 */
package dev.kabuki.testkit;
