package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class NodeAddressTest {
    @Test
    void parsesAndPrintsBack() {
        NodeAddress a = NodeAddress.parse("kabuki://orders@10.0.0.2:25520");
        assertThat(a).isEqualTo(new NodeAddress("orders", "10.0.0.2", 25520));
        assertThat(a.toString()).isEqualTo("kabuki://orders@10.0.0.2:25520");
        NodeAddress v6 = NodeAddress.parse("kabuki://orders@[::1]:25520");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(NodeAddress.parse(v6.toString())).isEqualTo(v6);
    }

    @Test
    void takesTheNodeOfAnActorUri() {
        assertThat(NodeAddress.of(URI.create("kabuki://orders@host-1:25520/user/counter")))
                .isEqualTo(new NodeAddress("orders", "host-1", 25520));
    }

    @Test
    void refusesMalformedAddressesSayingWhy() {
        assertThatThrownBy(() -> NodeAddress.parse("pekko://orders@h:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme must be 'kabuki'");
        assertThatThrownBy(() -> NodeAddress.parse("kabuki://h:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kabuki://system@host:port");
        assertThatThrownBy(() -> NodeAddress.parse("kabuki://orders@h"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kabuki://system@host:port");
        assertThatThrownBy(() -> NodeAddress.parse("kabuki://orders@h:1/user/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends after the port");
        assertThatThrownBy(() -> NodeAddress.parse("kabuki://or ders@h:1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeAddress("a.b", "h", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("system name");
        assertThatThrownBy(() -> new NodeAddress("a", "h", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    }
}
