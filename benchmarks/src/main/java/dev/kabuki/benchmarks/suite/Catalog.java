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

    static final Map<String, String> SIDE_NAMES = Map.of(
            "kabuki", "kabuki", "kabuki-b", "kabuki (worker-polled I/O driver)", "tokio", "Tokio", "pekko", "Pekko", "jdk", "JDK",
            "netty-nio", "Netty NIO", "netty-epoll", "Netty epoll");

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
                            + "thread outside the runtime; *in*: the asker is an actor (a task) inside it. "
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
                            + "before the next: messages cross workers all the time."));

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
            new Target("W7", "c512", "tokio", "rate", 1, false, "W7 C=512 ≥ Tokio"));
}
