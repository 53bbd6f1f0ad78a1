/**
 * Actors in other JVMs over Aeron: node addresses ({@link dev.kabuki.remote.NodeAddress}) and
 * the failure detector's settings ({@link dev.kabuki.remote.FailureDetectorSettings}). Work in
 * progress: the transport, serialization, remote death watch and membership are being built;
 * see docs/remote-research.md for the design.
 */
package dev.kabuki.remote;
