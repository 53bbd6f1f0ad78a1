package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AeronTransportFaultTest {
    @TempDir
    Path base;

    @Test
    void aPortInUseFailsTheStartAndLeavesNoDirectoryOrThreadBehind() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThatThrownBy(() -> new AeronTransport("f", "127.0.0.1", taken.getLocalPort(), base.toString(),
                    AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH))
                    .hasMessageContaining("Address already in use");
        }
        assertThat(base.toFile().list()).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("kabuki-f-aeron"));
    }

    @Test
    void aLinkClosedInTheMiddleRefusesOffersAndCloseTwiceIsHarmless() {
        AeronTransport t = new AeronTransport("g", "127.0.0.1", 0, base.toString(), AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH);
        Transport.Link link = t.link("127.0.0.1", t.localAddress().getPort());
        UnsafeBuffer frame = new UnsafeBuffer(new byte[32]);
        link.close();
        assertThat(link.offer(false, frame, 0, 32)).isEqualTo(Transport.Offer.CLOSED);
        assertThat(link.isConnected()).isFalse();
        t.close();
        t.close();
        assertThatThrownBy(() -> t.link("127.0.0.1", 1)).hasMessageContaining("transport closed");
        assertThat(base.toFile().list()).isEmpty();
    }
}
