package dev.kabuki.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking test peer speaking lines, with a read timeout so no test can hang on it. */
final class LineClient implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;

    LineClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    LineClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    String readLine() throws IOException {
        return in.readLine();
    }

    /** Reads until end of stream (or a reset, which throws); returns true at a clean end of stream. */
    boolean readsEndOfStream() throws IOException {
        while (true) {
            String line = in.readLine();
            if (line == null) {
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
