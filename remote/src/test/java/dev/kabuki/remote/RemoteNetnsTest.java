package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on two "hosts": network namespaces the test makes, joined by a veth pair, each node
 * in its own namespace on its own address. The link is taken down (the nodes see each other
 * unreachable and quarantine each other's incarnation), brought up again, and the node restarted
 * at the same address is found again. Needs root and iproute2 ({@code ip}); without them the
 * test says so and is skipped. The namespaces are removed afterwards, whatever happens.
 */
class RemoteNetnsTest {
    private static final String COOKIE = "a-cookie-of-sixteen-chars";

    @TempDir
    Path base;
    private final String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
    private final String nsA = "kbk-a-" + tag;
    private final String nsB = "kbk-b-" + tag;
    private final String vethA = "kbka" + tag;
    private final String vethB = "kbkb" + tag;
    private final String subnet = "10.201." + ThreadLocalRandom.current().nextInt(1, 250);
    private final List<NodeProcess> nodes = new ArrayList<>();
    private boolean made;

    @BeforeEach
    void makeHosts() throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || !canRun("ip", "netns", "list")) {
            Assumptions.abort("needs root and iproute2 (ip netns) to make network namespaces; skipped"
                    + " (user " + System.getProperty("user.name") + ")");
        }
        made = true;
        run("ip", "netns", "add", nsA);
        run("ip", "netns", "add", nsB);
        run("ip", "link", "add", vethA, "type", "veth", "peer", "name", vethB);
        run("ip", "link", "set", vethA, "netns", nsA);
        run("ip", "link", "set", vethB, "netns", nsB);
        run("ip", "netns", "exec", nsA, "ip", "addr", "add", subnet + ".1/24", "dev", vethA);
        run("ip", "netns", "exec", nsB, "ip", "addr", "add", subnet + ".2/24", "dev", vethB);
        for (String[] nsDev : new String[][] {{nsA, vethA}, {nsB, vethB}}) {
            run("ip", "netns", "exec", nsDev[0], "ip", "link", "set", "lo", "up");
            run("ip", "netns", "exec", nsDev[0], "ip", "link", "set", nsDev[1], "up");
        }
    }

    @AfterEach
    void removeHosts() throws Exception {
        for (NodeProcess n : nodes) {
            n.kill();
        }
        if (made) {
            runQuietly("ip", "netns", "del", nsA); // deleting a namespace deletes its end of the pair, and so the pair
            runQuietly("ip", "netns", "del", nsB);
            assertThat(output("ip", "netns", "list")).doesNotContain(nsA).doesNotContain(nsB);
        }
    }

    private NodeProcess node(String ns, String name, String host, String seed) throws Exception {
        NodeProcess n = NodeProcess.start(List.of("ip", "netns", "exec", ns), name, 25520, COOKIE, base.toFile(), host,
                List.of(seed));
        nodes.add(n);
        return n;
    }

    @Test
    void nodesOnTwoHostsSeeALinkGoDownAndARestartedNodeComeBack() throws Exception {
        String hostA = subnet + ".1";
        String hostB = subnet + ".2";
        NodeAddress b = new NodeAddress("b", hostB, 25520);
        NodeAddress a = new NodeAddress("a", hostA, 25520);
        NodeProcess nodeB = node(nsB, "b", hostB, a.toString());
        NodeProcess nodeA = node(nsA, "a", hostA, b.toString());
        assertThat(nodeA.awaitLine("EVENT UP " + b, 60)).isNotNull();
        assertThat(nodeB.awaitLine("EVENT UP " + a, 60)).isNotNull();

        run("ip", "netns", "exec", nsA, "ip", "link", "set", vethA, "down");
        assertThat(nodeA.awaitLine("EVENT DOWN " + b, 60)).contains("unreachable");
        assertThat(nodeB.awaitLine("EVENT DOWN " + a, 60)).contains("unreachable");

        run("ip", "netns", "exec", nsA, "ip", "link", "set", vethA, "up");
        nodeB.kill(); // its incarnation is quarantined on a for good: it restarts to be talked to again
        nodes.remove(nodeB);
        NodeProcess again = node(nsB, "b", hostB, a.toString());
        assertThat(nodeA.awaitLine("EVENT UP " + b, 60)).isNotNull();
        assertThat(again.awaitLine("EVENT UP " + a, 60)).isNotNull();
    }

    private static boolean canRun(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static void runQuietly(String... cmd) {
        try {
            run(cmd);
        } catch (IOException | IllegalStateException e) {
            // removing what may not exist; the assertion after it checks what remains
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
