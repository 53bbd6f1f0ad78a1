/**
 * Actors in other JVMs over Aeron (work in progress; docs/remote.md says what exists): the
 * settings a user writes ({@link dev.kabuki.remote.RemoteSettings}), node addresses
 * ({@link dev.kabuki.remote.NodeAddress}) and the failure detector's settings
 * ({@link dev.kabuki.remote.FailureDetectorSettings}). Associations, serialization, remote refs,
 * death watch and membership are being built; the design is in docs/remote-research.md.
 */
package dev.kabuki.remote;
