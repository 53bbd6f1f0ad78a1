package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DropLogTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aStormOfDropsCostsOneLinePerKindAndOneSummaryPerInterval() {
        AtomicLong now = new AtomicLong();
        List<String> lines = new ArrayList<>();
        DropLog log = new DropLog(lines::add, now::get, 10 * SECOND);
        for (int i = 0; i < 1_000_000; i++) {
            now.addAndGet(1_000); // a million drops in one second
            log.dropped("bad frame", "peer " + (i % 7));
            if (i % 3 == 0) {
                log.dropped("disallowed type", "com.example.Evil");
            }
        }
        assertThat(lines).hasSize(2); // the first of each kind
        assertThat(lines.get(0)).contains("bad frame").contains("peer 0");
        assertThat(lines.get(1)).contains("disallowed type").contains("com.example.Evil");

        now.addAndGet(10 * SECOND);
        log.summarizeIfDue();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(2)).contains("999999 x (bad frame)").contains("333333 x (disallowed type)");
        log.summarizeIfDue(); // nothing pending: no line
        assertThat(lines).hasSize(3);
        assertThat(log.total("bad frame")).isEqualTo(1_000_000);
        assertThat(log.total("disallowed type")).isEqualTo(333_334);
        assertThat(log.total("never")).isZero();
    }
}
