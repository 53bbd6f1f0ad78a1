package dev.kabuki.examples.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RemoteKvTest {
    @Test
    void keysSpreadOverBothNodesAndReadBackThroughTheOther() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Integer> perShard = RemoteKv.runDemo(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(perShard.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(perShard).as("both nodes hold keys: %s", out).containsKeys("kv1", "kv2");
        assertThat(out).contains("get key9 = value9");
    }
}
