package dev.kabuki.benchmarks.suite;

import java.util.List;
import java.util.Map;

/**
 * What the report knows about the workloads (WORKLOADS.md): titles, units, the peers each one is
 * measured against, and the targets the benchmark-suite issue set, each checked against the
 * measured ratios.
 */
final class Catalog {
    private Catalog() {
    }

    /** A workload whose figure is a rate, measured on kabuki and {@code peers}. */
    record Workload(String id, String title, String unit, List<String> peers, String what) {
    }

    /**
     * A target: the median ratio kabuki/peer (oriented above 1 = kabuki better) of a workload's
     * shape reaches {@code atLeast}; with {@code wholeRange}, every round's ratio does.
     */
    record Target(String workload, String shape, String peer, String metric, double atLeast, boolean wholeRange,
                  String text) {
    }

    static final Map<String, String> SIDE_NAMES = Map.ofEntries(
            Map.entry("kabuki", "kabuki"), Map.entry("kabuki-b", "kabuki (worker-polled I/O driver)"),
            Map.entry("kabuki-idle10ms", "kabuki, maxIdlePark 10 ms"),
            Map.entry("tokio", "Tokio"), Map.entry("pekko", "Pekko"), Map.entry("jdk", "JDK"),
            Map.entry("netty-nio", "Netty NIO"), Map.entry("netty-epoll", "Netty epoll"),
            Map.entry("pekko-tcp", "Pekko Artery TCP"),
            Map.entry("pekko-aeron", "Pekko Artery Aeron UDP (idle-cpu-level 5)"));

    /** The peers of the remote workloads (R1, R2, R0 idle). */
    static final List<String> REMOTE_PEERS = List.of("pekko-tcp", "pekko-aeron");

    /** What the remote workloads share, said once in each of their sections. */
    static final String REMOTE_SETUP = "Two JVMs on 127.0.0.1, a server node and a client node, both fresh "
            + "processes for every side and round, timed by the same driver (RemoteBenchMain, in "
            + "benchmarks/src/remote-harness). Each side with its recommended transport settings: kabuki-remote's "
            + "defaults (Aeron UDP with an embedded media driver, the Fory serializer, records allowed on the "
            + "wire); Pekko 1.7.0 Artery's defaults with a hand-written serializer, over TCP and over Aeron UDP "
            + "(embedded media driver, idle-cpu-level 5, Pekko's default).";

    static String sideName(String workload, String side) {
        if (side.equals("jdk")) {
            return switch (workload) {
                case "W3a" -> "JDK ForkJoinPool";
                case "W6" -> "JDK ThreadPoolExecutor";
                default -> "JDK virtual threads";
            };
        }
        return SIDE_NAMES.getOrDefault(side, side);
    }

    static final List<Workload> RATE_WORKLOADS = List.of(
            new Workload("W1", "W1 ping-pong", "round trips/s", List.of("tokio", "pekko", "jdk"),
                    "Two actors bounce one message, one in flight."),
            new Workload("W2", "W2 fan-in", "messages/s", List.of("tokio", "pekko", "jdk"),
                    "4 producers send to one consumer actor (unbounded mailbox)."),
            new Workload("W3a", "W3a spawn-join", "tasks/s", List.of("tokio", "jdk"),
                    "Spawn tasks that each return their index; join all and sum. JDK = ForkJoinPool. "
                            + "Pekko has no task API of its own and is not measured here."),
            new Workload("W4a", "W4a ask sequential", "asks/s", List.of("tokio", "pekko", "jdk"),
                    "From a plain thread outside the runtime, sequential asks to one echo actor."),
            new Workload("W4b", "W4b ask concurrent", "asks/s", List.of("tokio", "pekko", "jdk"),
                    "Asks to one echo actor, at most 1,000 outstanding. Shape *out*: the asker is a plain "
                            + "thread outside the runtime that keeps the last 1,000 asks' handles and waits for "
                            + "the oldest before the next ask (every side alike: Tokio's oneshot receivers, the "
                            + "JVM sides' handles and futures); *in*: the asker is an actor (a task) inside it. "
                            + "Latency = send to reply, per ask."),
            new Workload("W5", "W5 ring", "hops/s", List.of("tokio", "pekko", "jdk"),
                    "503 actors in a ring pass one token."),
            new Workload("W7", "W7 TCP echo", "round trips/s", List.of("tokio", "netty-nio", "netty-epoll"),
                    "Echo server on 127.0.0.1; one load client (W7LoadClient, the same JVM program for every "
                            + "server) with C connections, one 64-byte message outstanding on each, every byte "
                            + "checked. CPU = the server's, in the measured period; the client's own CPU is shown "
                            + "so that it can be seen not to be the bottleneck."),
            new Workload("W9", "W9 many-to-many", "requests/s", List.of("tokio", "pekko", "jdk"),
                    "Actors each send requests to uniformly random other actors and await each reply "
                            + "before the next: messages cross workers all the time."),
            new Workload("R1", "R1 remote ping-pong", "round trips/s", REMOTE_PEERS,
                    "An actor on the client node sends a ping with a 100-byte payload to an actor on the server "
                            + "node, which answers with a pong carrying the same 100 bytes; the next ping goes when "
                            + "the pong is in: one message in flight. Latency = ping sent to pong received, per round "
                            + "trip. " + REMOTE_SETUP + " CPU = both processes' CPU time in the measured iteration, "
                            + "also shown per node and per round trip."),
            new Workload("R2", "R2 remote one-way", "messages/s", REMOTE_PEERS,
                    "An actor on the client node sends one-way messages with a 100-byte payload to an actor on "
                            + "the server node, at most 2,000 sent and not yet acknowledged; the server's actor "
                            + "acknowledges every 100. Figure = messages acknowledged per second. The window is well "
                            + "below both sides' outbound queue bounds (kabuki: 2 MiB per peer; Pekko: 3,072 messages "
                            + "per association), so nothing is dropped by design. The nodes and settings of R1. "
                            + "CPU = both processes' CPU time in the measured iteration, also shown per node and "
                            + "per message."));

    static final List<Target> TARGETS = List.of(
            new Target("W1", "-", "tokio", "rate", 3, false, "W1 ≥ 3x Tokio"),
            new Target("W1", "-", "pekko", "rate", 5, false, "W1 ≥ 5x Pekko"),
            new Target("W5", "-", "tokio", "rate", 3, false, "W5 ≥ 3x Tokio"),
            new Target("W5", "-", "pekko", "rate", 5, false, "W5 ≥ 5x Pekko"),
            new Target("W2", "-", "tokio", "rate", 1, true, "W2 ≥ Tokio, no round below"),
            new Target("W2", "-", "jdk", "rate", 1, true, "W2 ≥ JDK, no round below"),
            new Target("W4b", "out", "tokio", "rate", 1, true, "W4b out ≥ Tokio, no round below"),
            new Target("W4b", "out", "jdk", "rate", 1, true, "W4b out ≥ JDK, no round below"),
            new Target("W4b", "in", "tokio", "rate", 1, true, "W4b in ≥ Tokio, no round below"),
            new Target("W4b", "in", "jdk", "rate", 1, true, "W4b in ≥ JDK, no round below"),
            new Target("W9", "-", "pekko", "rate", 2, false, "W9 ≥ 2x Pekko"),
            new Target("W9", "-", "tokio", "rate", 1, false, "W9 ≥ Tokio"),
            new Target("W3a", "-", "jdk", "rate", 1.5, false, "W3a ≥ 1.5x ForkJoinPool"),
            new Target("W3a", "-", "tokio", "rate", 1, false, "W3a ≥ Tokio"),
            new Target("W3b", "-", "pekko", "bytes_per_actor", 2, false, "W3b bytes per idle actor ≤ ½ Pekko's"),
            new Target("W3b", "-", "tokio", "bytes_per_actor", 1, false, "W3b bytes per idle actor below Tokio's"),
            new Target("W6", "-", "tokio", "ms", 1 / 1.1, false, "W6 wall time within 10% of Tokio's"),
            new Target("W7", "c1", "netty-nio", "rate", 1, false, "W7 C=1 ≥ Netty NIO"),
            new Target("W7", "c1", "netty-epoll", "rate", 1, false, "W7 C=1 ≥ Netty epoll"),
            new Target("W7", "c1", "tokio", "rate", 1, false, "W7 C=1 ≥ Tokio"),
            new Target("W7", "c64", "netty-nio", "rate", 1, false, "W7 C=64 ≥ Netty NIO"),
            new Target("W7", "c64", "netty-epoll", "rate", 1, false, "W7 C=64 ≥ Netty epoll"),
            new Target("W7", "c64", "tokio", "rate", 1, false, "W7 C=64 ≥ Tokio"),
            new Target("W7", "c512", "netty-nio", "rate", 1, false, "W7 C=512 ≥ Netty NIO"),
            new Target("W7", "c512", "netty-epoll", "rate", 1, false, "W7 C=512 ≥ Netty epoll"),
            new Target("W7", "c512", "tokio", "rate", 1, false, "W7 C=512 ≥ Tokio"),
            new Target("R1", "-", "pekko-tcp", "rate", 2, false, "R1 ≥ 2x Pekko Artery TCP"),
            new Target("R1", "-", "pekko-aeron", "rate", 2, false, "R1 ≥ 2x Pekko Artery Aeron UDP"),
            new Target("R2", "-", "pekko-tcp", "rate", 2, false, "R2 ≥ 2x Pekko Artery TCP"),
            new Target("R2", "-", "pekko-aeron", "rate", 2, false, "R2 ≥ 2x Pekko Artery Aeron UDP"));
}
