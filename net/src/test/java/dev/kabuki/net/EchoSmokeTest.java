package dev.kabuki.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorSystem;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EchoSmokeTest {
    record Echo(TcpConnection<String> conn) implements Actor<TcpEvent<String>> {
        @Override
        public void receive(ActorContext<TcpEvent<String>> ctx, TcpEvent<String> event) {
            if (event instanceof TcpEvent.Received<String>(String line)) {
                conn.write("echo " + line);
            }
        }
    }

    @Test
    void echoesLines() throws Exception {
        try (ActorSystem system = ActorSystem.builder().build()) {
            TcpServer server = TcpServer.bind(system, new InetSocketAddress("127.0.0.1", 0), Framing.lines(100), Echo::new);
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out.write("hello\r\nwor".getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).isEqualTo("echo hello");
                out.write("ld\n".getBytes(StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("echo world");
            }
            assertThat(server.metrics().framesIn()).isEqualTo(2);
        }
    }
}
