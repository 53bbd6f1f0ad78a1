package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllowedTypesTest {
    sealed interface CounterMsg permits Increment, Get, Admin {}
    record Increment(int by) implements CounterMsg {}
    record Get(String replyTo) implements CounterMsg {}
    sealed interface Admin extends CounterMsg permits Reset, Mode {}
    record Reset() implements Admin {}
    enum Mode implements Admin { FAST, SAFE { @Override public String toString() { return "safe"; } } }

    record Standalone(long v) {}
    interface Open {}
    static class NotFinal {}
    sealed interface Leaky permits LeakyOpen {}
    non-sealed interface LeakyOpen extends Leaky {}

    @Test
    void aSealedRootStandsForItsConcreteTypesNumberedByName() {
        AllowedTypes t = AllowedTypes.of(Set.of(CounterMsg.class, Standalone.class));
        assertThat(t.types()).startsWith(Get.class, Increment.class, Mode.class, Reset.class, Standalone.class)
                .containsAll(AllowedTypes.BUILT_IN).hasSize(5 + AllowedTypes.BUILT_IN.size());
        for (int i = 0; i < t.size(); i++) {
            assertThat(t.numberOf(t.typeOf(i))).isEqualTo(i);
        }
        assertThat(t.numberOf(Mode.SAFE.getClass())).isEqualTo(t.numberOf(Mode.class));
        assertThat(t.numberOf(String.class)).as("JDK value types are always allowed").isNotNegative();
        assertThat(t.numberOf(Object.class)).isEqualTo(-1);
        assertThat(t.typeOf(-1)).isNull();
        assertThat(t.typeOf(t.size())).isNull();
    }

    @Test
    void theFingerprintDependsOnTheTableNotOnTheOrderOfRoots() {
        long a = AllowedTypes.of(Set.of(CounterMsg.class, Standalone.class)).fingerprint();
        long b = AllowedTypes.of(Set.of(Standalone.class, CounterMsg.class, Admin.class)).fingerprint();
        long c = AllowedTypes.of(Set.of(CounterMsg.class)).fingerprint();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void openTypesAreRefusedByName() {
        assertThatThrownBy(() -> AllowedTypes.of(Set.of(Open.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Open.class.getName())
                .hasMessageContaining("is open");
        assertThatThrownBy(() -> AllowedTypes.of(Set.of(NotFinal.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is open");
        assertThatThrownBy(() -> AllowedTypes.of(Set.of(Serializable.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is open");
        assertThatThrownBy(() -> AllowedTypes.of(Set.of(Leaky.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(LeakyOpen.class.getName())
                .hasMessageContaining("permitted by " + Leaky.class.getName());
        assertThatThrownBy(() -> AllowedTypes.of(Set.of(int[].class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a class");
    }
}
