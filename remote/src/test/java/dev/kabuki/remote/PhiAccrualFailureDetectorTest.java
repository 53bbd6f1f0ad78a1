package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PhiAccrualFailureDetectorTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private PhiAccrualFailureDetector detector(FailureDetectorSettings s) {
        return new PhiAccrualFailureDetector(s, now::get);
    }

    private void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    @Test
    void phiOfTheMeanIsAboutLog10Of2AndGrowsWithTheDelay() {
        // At the mean the tail probability is one half.
        assertThat(PhiAccrualFailureDetector.phi(1000, 1000, 100)).isCloseTo(Math.log10(2), within(1e-9));
        double previous = 0;
        for (int t = 800; t <= 2000; t += 50) {
            double phi = PhiAccrualFailureDetector.phi(t, 1000, 100);
            assertThat(phi).isGreaterThan(previous);
            previous = phi;
        }
        // Two deviations above the mean: the normal tail is 2.28 %, so phi is about 1.64.
        assertThat(PhiAccrualFailureDetector.phi(1200, 1000, 100)).isCloseTo(1.64, within(0.02));
    }

    @Test
    void aNodeIsAvailableBeforeItsFirstHeartbeat() {
        PhiAccrualFailureDetector d = detector(FailureDetectorSettings.DEFAULT);
        advanceMillis(60_000);
        assertThat(d.phi()).isZero();
        assertThat(d.isAvailable()).isTrue();
    }

    @Test
    void withDefaultsARegularNodeIsMarkedDownAbout11point6SecondsAfterItsLastHeartbeat() {
        PhiAccrualFailureDetector d = detector(FailureDetectorSettings.DEFAULT);
        for (int i = 0; i < 30; i++) {
            d.heartbeat();
            advanceMillis(1000);
        }
        d.heartbeat();
        advanceMillis(11_400);
        assertThat(d.isAvailable()).as("phi %s at 11.4 s", d.phi()).isTrue();
        advanceMillis(400);
        assertThat(d.isAvailable()).as("phi %s at 11.8 s", d.phi()).isFalse();
    }

    @Test
    void jitteryHeartbeatsWidenTheEstimate() {
        FailureDetectorSettings s = FailureDetectorSettings.DEFAULT.withAcceptableHeartbeatPause(Duration.ZERO);
        PhiAccrualFailureDetector regular = detector(s);
        for (int i = 0; i < 50; i++) {
            regular.heartbeat();
            advanceMillis(1000);
        }
        regular.heartbeat();
        PhiAccrualFailureDetector jittery = detector(s);
        for (int i = 0; i < 50; i++) {
            jittery.heartbeat();
            advanceMillis(i % 2 == 0 ? 500 : 1500);
        }
        jittery.heartbeat();
        advanceMillis(1600);
        assertThat(jittery.phi()).isLessThan(regular.phi());
        assertThat(regular.isAvailable()).isFalse(); // 6 deviations of 100 ms late
        assertThat(jittery.isAvailable()).isTrue();
    }

    @Test
    void theGapThatEndsASuspicionIsNotLearned() {
        PhiAccrualFailureDetector d = detector(FailureDetectorSettings.DEFAULT);
        for (int i = 0; i < 20; i++) {
            d.heartbeat();
            advanceMillis(1000);
        }
        advanceMillis(60_000); // an outage: marked down
        assertThat(d.isAvailable()).isFalse();
        d.heartbeat(); // back
        assertThat(d.isAvailable()).isTrue();
        advanceMillis(12_000); // the history still says 1 s: a 12 s gap is a failure again
        assertThat(d.isAvailable()).isFalse();
    }

    @Test
    void theHistoryKeepsOnlyTheLastSamples() {
        FailureDetectorSettings s = new FailureDetectorSettings(10.0, 10, Duration.ofMillis(10),
                Duration.ofSeconds(10), Duration.ofSeconds(1));
        PhiAccrualFailureDetector d = detector(s);
        for (int i = 0; i < 100; i++) { // many laps of the 10-sample ring, the last ones at 5 s
            d.heartbeat();
            advanceMillis(i < 50 ? 1000 : 5000);
        }
        d.heartbeat();
        advanceMillis(15_000); // only 5 s intervals are left: 15 s is their mean plus the pause
        assertThat(d.phi()).isCloseTo(Math.log10(2), within(1e-6));
    }

    @Test
    void settingsOutOfRangeAreRefusedByName() {
        Duration s = Duration.ofSeconds(1);
        assertThatThrownBy(() -> new FailureDetectorSettings(0, 200, s, s, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
        assertThatThrownBy(() -> new FailureDetectorSettings(10, 0, s, s, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSampleSize");
        assertThatThrownBy(() -> new FailureDetectorSettings(10, 200, Duration.ZERO, s, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minStdDeviation");
        assertThatThrownBy(() -> new FailureDetectorSettings(10, 200, s, s.negated(), s))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acceptableHeartbeatPause");
        assertThatThrownBy(() -> new FailureDetectorSettings(10, 200, s, s, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
    }
}
