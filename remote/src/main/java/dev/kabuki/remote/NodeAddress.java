package dev.kabuki.remote;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a remote-enabled actor system listens: {@code kabuki://<system>@<host>:<port>}, for
 * example {@code kabuki://orders@10.0.0.2:25520} or {@code kabuki://orders@[::1]:25520}. An actor
 * in it is addressed by the node address followed by the actor's path:
 * {@code kabuki://orders@10.0.0.2:25520/user/counter}.
 *
 * <p>The system name is part of the address: two systems on one host and port cannot both run,
 * and a message for {@code orders} that reaches a system named {@code billing} is refused at the
 * handshake. A node address says nothing about which run of that system answers: each start of a
 * system gets a new incarnation number, exchanged in the handshake (see docs/remote.md).
 *
 * <p>An immutable value; thread-safe.
 *
 * @param system the actor system's name: letters, digits, '-' and '_', 1 to 64 characters
 * @param host   a host name, an IPv4 address or an IPv6 address (without brackets)
 * @param port   1 to 65535
 */
public record NodeAddress(String system, String host, int port) {
    /** The URI scheme of kabuki addresses. */
    public static final String SCHEME = "kabuki";
    private static final Pattern SYSTEM_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Validates the parts.
     *
     * @throws IllegalArgumentException a part is malformed; the message names it
     * @throws NullPointerException     {@code system} or {@code host} is null
     */
    public NodeAddress {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(host, "host");
        if (!SYSTEM_NAME.matcher(system).matches()) {
            throw new IllegalArgumentException("system name must be 1 to 64 letters, digits, '-' or '_', got '"
                    + system + "'");
        }
        if (host.isEmpty() || host.startsWith("[") || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
            throw new IllegalArgumentException("host must be a host name or an IP address without brackets, got '"
                    + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
        }
    }

    /**
     * Parses {@code kabuki://system@host:port}, with nothing after the port.
     *
     * @throws IllegalArgumentException not such an address; the message says which part is wrong
     */
    public static NodeAddress parse(String address) {
        Objects.requireNonNull(address, "address");
        URI uri;
        try {
            uri = new URI(address);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a kabuki node address (kabuki://system@host:port): '"
                    + address + "': " + e.getMessage(), e);
        }
        NodeAddress node = of(uri, address);
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("a node address ends after the port: '" + address + "'");
        }
        return node;
    }

    /**
     * The node part of an actor URI such as {@code kabuki://orders@host:25520/user/counter}.
     *
     * @throws IllegalArgumentException the scheme is not {@code kabuki} or the system, host or
     *                                  port is missing or malformed
     */
    public static NodeAddress of(URI uri) {
        return of(Objects.requireNonNull(uri, "uri"), uri.toString());
    }

    private static NodeAddress of(URI uri, String text) {
        if (!SCHEME.equals(uri.getScheme())) {
            throw new IllegalArgumentException("scheme must be '" + SCHEME + "', in '" + text + "'");
        }
        if (uri.getRawUserInfo() == null || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("expected kabuki://system@host:port, got '" + text + "'");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new NodeAddress(uri.getUserInfo(), host, uri.getPort());
    }

    /** {@code kabuki://system@host:port}, IPv6 hosts in brackets; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return SCHEME + "://" + system + "@" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
