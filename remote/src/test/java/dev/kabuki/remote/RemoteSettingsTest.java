package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RemoteSettingsTest {
    sealed interface CounterMsg permits Increment, Get {}
    record Increment(int by) implements CounterMsg {}
    record Get(int id) implements CounterMsg {}
    interface Open {}

    @Test
    void defaultsAreLocalAndDocumented() {
        RemoteSettings s = RemoteSettings.bind(25520);
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(25520);
        assertThat(s.seedNodes()).isEmpty();
        assertThat(s.allowedRoots()).isEmpty();
        assertThat(s.hasCookie()).isFalse();
        assertThat(s.failureDetector()).isEqualTo(FailureDetectorSettings.DEFAULT);
        assertThat(s.ordinaryTermLength()).isEqualTo(2 * 1024 * 1024);
        assertThat(s.maxMessageBytes()).isEqualTo(256 * 1024);
        assertThat(s.outboundQueueBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(s.systemMessageBuffer()).isEqualTo(20_000);
        assertThat(s.handshakeTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.aeronDirectory()).isNull();
    }

    @Test
    void theSketchOfTheIssueReads() {
        RemoteSettings s = RemoteSettings.bind("127.0.0.1", 25520)
                .seedNodes("kabuki://orders@10.0.0.2:25520")
                .allow(CounterMsg.class)
                .cookie("a-secret-of-16-chars");
        assertThat(s.seedNodes()).containsExactly(new NodeAddress("orders", "10.0.0.2", 25520));
        assertThat(s.allowedRoots()).containsExactly(CounterMsg.class);
        assertThat(s.hasCookie()).isTrue();
        assertThat(s.toString()).contains("cookie=set").doesNotContain("a-secret-of-16-chars");
    }

    @Test
    void copiesLeaveTheOriginalAlone() {
        RemoteSettings a = RemoteSettings.bind(1);
        RemoteSettings b = a.ordinaryTermLength(16 * 1024 * 1024);
        assertThat(a.ordinaryTermLength()).isEqualTo(2 * 1024 * 1024);
        assertThat(b.ordinaryTermLength()).isEqualTo(16 * 1024 * 1024);
        assertThat(b.outboundQueueBytes()).as("grown to the term").isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void badValuesAreRefusedByName() {
        RemoteSettings s = RemoteSettings.bind(1);
        assertThatThrownBy(() -> RemoteSettings.bind("", 1)).hasMessageContaining("bind host");
        assertThatThrownBy(() -> RemoteSettings.bind(70000)).hasMessageContaining("bind port");
        assertThatThrownBy(() -> s.seedNodes("orders@h:1")).hasMessageContaining("kabuki");
        assertThatThrownBy(() -> s.allow(Open.class)).hasMessageContaining("is open");
        assertThatThrownBy(() -> s.cookie("short")).hasMessageContaining("cookie must have at least 16");
        assertThatThrownBy(() -> s.ordinaryTermLength(3 * 1024 * 1024)).hasMessageContaining("ordinaryTermLength");
        assertThatThrownBy(() -> s.outboundQueueBytes(1024 * 1024)).hasMessageContaining("outboundQueueBytes");
        assertThatThrownBy(() -> s.systemMessageBuffer(10)).hasMessageContaining("systemMessageBuffer");
        assertThatThrownBy(() -> s.handshakeTimeout(Duration.ofMillis(10))).hasMessageContaining("handshakeTimeout");
        assertThatThrownBy(() -> s.maxIdlePark(Duration.ofNanos(999))).hasMessageContaining("maxIdlePark");
        assertThatThrownBy(() -> s.maxIdlePark(Duration.ofSeconds(2))).hasMessageContaining("maxIdlePark");
    }

    @Test
    void maxIdleParkDefaultsToOneMillisecondAndIsKeptByOtherSetters() {
        RemoteSettings s = RemoteSettings.bind(25520);
        assertThat(s.maxIdlePark()).isEqualTo(Duration.ofMillis(1)).isEqualTo(RemoteSettings.DEFAULT_MAX_IDLE_PARK);
        RemoteSettings idle = s.maxIdlePark(Duration.ofMillis(10)).cookie("a-cookie-of-sixteen-chars")
                .driverThreading(RemoteSettings.DriverThreading.DEDICATED);
        assertThat(idle.maxIdlePark()).isEqualTo(Duration.ofMillis(10));
        assertThat(idle.toString()).contains("maxIdlePark=PT0.01S");
    }
}
