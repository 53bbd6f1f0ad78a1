package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expiry on a manual clock: times are passed in, so nothing here waits. */
class KeyspaceTest {
    private final Keyspace ks = new Keyspace();
    private final BinaryKey a = BinaryKey.of("a");
    private final BinaryKey b = BinaryKey.of("b");

    @Test
    void anExpiredKeyIsGoneOnAccessBeforeAnySweep() {
        ks.put(a, new byte[] {1}, 1_000, 0);
        assertThat(ks.get(a, 999)).isNotNull();
        assertThat(ks.get(a, 1_000)).isNull();
        assertThat(ks.size()).isZero();
    }

    @Test
    void theSweepRemovesExpiredKeysNobodyTouches() {
        ks.put(a, new byte[] {1}, 1_000, 0);
        ks.put(b, new byte[] {2}, 5_000, 0);
        assertThat(ks.expireDue(2_000, 100)).isEqualTo(1);
        assertThat(ks.size()).isEqualTo(1);
        assertThat(ks.hasDue(2_000)).isFalse();
        assertThat(ks.expireDue(5_000, 100)).isEqualTo(1);
        assertThat(ks.size()).isZero();
    }

    @Test
    void aKeyOverwrittenWithoutDeadlineSurvivesItsOldDeadline() {
        ks.put(a, new byte[] {1}, 1_000, 0);
        ks.put(a, new byte[] {2}, Keyspace.NEVER, 10);
        assertThat(ks.expireDue(2_000, 100)).isZero();
        assertThat(ks.get(a, 2_000).value()).containsExactly(2);
    }

    @Test
    void aKeyGivenALaterDeadlineExpiresAtTheLaterOne() {
        ks.put(a, new byte[] {1}, 1_000, 0);
        ks.put(a, new byte[] {2}, 3_000, 10);
        assertThat(ks.expireDue(2_000, 100)).isZero();
        assertThat(ks.expireDue(3_000, 100)).isEqualTo(1);
    }

    @Test
    void theSweepStopsAtItsBudget() {
        for (int i = 0; i < 10; i++) {
            ks.put(BinaryKey.of("k" + i), new byte[0], 100 + i, 0);
        }
        assertThat(ks.expireDue(1_000, 4)).isEqualTo(4);
        assertThat(ks.hasDue(1_000)).isTrue();
        assertThat(ks.expireDue(1_000, 100)).isEqualTo(6);
    }

    @Test
    void deadlinesOfRewrittenKeysDoNotPileUp() {
        for (int i = 0; i < 100_000; i++) {
            ks.put(a, new byte[0], 1_000_000 + i, 0);
        }
        assertThat(ks.size()).isEqualTo(1);
        assertThat(ks.expireDue(1_099_999, 1_000_000)).isEqualTo(1);
    }
}
