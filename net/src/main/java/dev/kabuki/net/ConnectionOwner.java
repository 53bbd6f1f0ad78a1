package dev.kabuki.net;

/**
 * Who a connection reports to: its server (metrics, the connection limit, closing the server's
 * connections) or the client side. Called from the loop thread and from writers' threads.
 */
interface ConnectionOwner {
    void opened(TcpConnectionImpl<?> conn);

    void closed(TcpConnectionImpl<?> conn, CloseReason reason);

    void bytesIn(long n);

    void bytesOut(long n);

    void frameIn();

    void frameOut();

    /** Name of the owner for actor names and logs: {@code tcp-server-8080}, {@code tcp-client}. */
    String label();
}
