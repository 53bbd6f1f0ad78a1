package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A blocking test client of {@link ChatServer}: one socket, lines in and out, reads bounded by a timeout. */
final class ChatClient implements AutoCloseable {
    private static final Pattern WELCOME = Pattern.compile("\\* you are (\\S+) \\(.*\\)");
    static final int READ_TIMEOUT_MILLIS = 30_000;

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    /** The name the room gave on joining. */
    final String guestName;

    private ChatClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
        String welcome = readLine();
        Matcher m = WELCOME.matcher(String.valueOf(welcome));
        assertThat(m.matches()).as("welcome line '%s'", welcome).isTrue();
        this.guestName = m.group(1);
    }

    /** Connects and reads the welcome line: once this returns, the room has the member. */
    static ChatClient join(int port) throws IOException {
        return new ChatClient(new Socket("127.0.0.1", port));
    }

    /** This client's port: the server sees it as the peer's port. */
    int localPort() {
        return socket.getLocalPort();
    }

    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The next line, or null at end of stream; throws SocketTimeoutException after the read timeout. */
    String readLine() throws IOException {
        return in.readLine();
    }

    void expect(String line) throws IOException {
        assertThat(readLine()).isEqualTo(line);
    }

    /** Reads to the end of the stream (a reset ends it too), failing if a line comes instead. */
    void expectEndOfStream() throws IOException {
        try {
            assertThat(readLine()).as("a line before the end of the stream").isNull();
        } catch (SocketException reset) {
            // the server reset the connection: ended as well
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
