package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.examples.net.ServerArgs.Option;
import dev.kabuki.examples.net.ServerArgs.UsageException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerArgsTest {
    private static final Option LIMIT = Option.ofLong("outbound-limit", 1000, 10, 5000, "bytes");
    private static final Option NAME = Option.ofString("room", "lobby", "room name");

    @Test
    void hostAndPortDefaultToLoopbackAndAnyFreePort() throws UsageException {
        ServerArgs args = ServerArgs.parse(List.of());
        assertThat(args.host()).isEqualTo("127.0.0.1");
        assertThat(args.port()).isZero();
    }

    @Test
    void valuesAreTakenSeparatedOrAfterAnEqualsSign() throws UsageException {
        ServerArgs args = ServerArgs.parse(List.of("--host", "0.0.0.0", "--port=8080", "--outbound-limit=20", "--room", "x y"),
                LIMIT, NAME);
        assertThat(args.host()).isEqualTo("0.0.0.0");
        assertThat(args.port()).isEqualTo(8080);
        assertThat(args.longValue("outbound-limit")).isEqualTo(20);
        assertThat(args.value("room")).isEqualTo("x y");
    }

    @Test
    void extraOptionsNotGivenHaveTheirDefaults() throws UsageException {
        ServerArgs args = ServerArgs.parse(List.of("--port", "1"), LIMIT, NAME);
        assertThat(args.longValue("outbound-limit")).isEqualTo(1000);
        assertThat(args.value("room")).isEqualTo("lobby");
    }

    @Test
    void unknownOptionIsAUsageErrorNamingIt() {
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--port", "1", "--verbose"), LIMIT))
                .isInstanceOf(UsageException.class).hasMessage("unknown option --verbose");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--outbound-limit", "20")))
                .isInstanceOf(UsageException.class).hasMessage("unknown option --outbound-limit");
    }

    @Test
    void badValuesAreUsageErrorsSayingWhy() {
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--port", "http")))
                .isInstanceOf(UsageException.class).hasMessage("--port must be a whole number, got 'http'");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--port", "65536")))
                .isInstanceOf(UsageException.class).hasMessage("--port must be from 0 to 65535, got 65536");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--outbound-limit=9"), LIMIT))
                .isInstanceOf(UsageException.class).hasMessage("--outbound-limit must be from 10 to 5000, got 9");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--port")))
                .isInstanceOf(UsageException.class).hasMessage("--port needs a value");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("--port", "1", "--port", "2")))
                .isInstanceOf(UsageException.class).hasMessage("--port is given twice");
        assertThatThrownBy(() -> ServerArgs.parse(List.of("8080")))
                .isInstanceOf(UsageException.class).hasMessage("unexpected argument '8080'");
    }

    @Test
    void usageListsEveryOptionWithItsDefault() {
        String usage = ServerArgs.usage("ChatServer", LIMIT);
        assertThat(usage).startsWith("usage: ChatServer [--host HOST] [--port PORT] [--outbound-limit OUTBOUND_LIMIT]\n")
                .contains("--host HOST  address to listen on; default 127.0.0.1\n")
                .contains("--outbound-limit OUTBOUND_LIMIT  bytes (10..5000); default 1000\n");
    }

    @Test
    void declaringAnOptionTwiceOrWithAnInvalidDefaultFailsFast() {
        assertThatThrownBy(() -> ServerArgs.parse(List.of(), Option.ofLong("port", 1, 0, 2, "again")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("option --port is declared twice");
        assertThatThrownBy(() -> Option.ofLong("n", 7, 0, 2, "n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the default of --n is invalid: must be from 0 to 2, got 7");
    }
}
