package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What every pool of a runtime shares: validated once, where it is made. */
class RuntimeContextTest {

    @Test
    void aNullOrBlankPrefixIsRejectedWithOneMessage() {
        assertThatThrownBy(() -> RuntimeContext.named(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadNamePrefix must not be null or blank, got \" \"");
        assertThatThrownBy(() -> RuntimeContext.named(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadNamePrefix must not be null or blank, got \"\"");
        assertThatThrownBy(() -> new RuntimeContext(null, ThreadHooks.NONE, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadNamePrefix must not be null or blank, got null");
        assertThatThrownBy(() -> RuntimeContext.checkThreadNamePrefix("\t"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadNamePrefix");
        assertThat(RuntimeContext.checkThreadNamePrefix("x")).isEqualTo("x");
    }

    @Test
    void hooksAreRequiredAndTheTimerIsOptional() {
        assertThatThrownBy(() -> new RuntimeContext("x", null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("hooks");
        RuntimeContext named = RuntimeContext.named("x");
        assertThat(named.hooks()).isSameAs(ThreadHooks.NONE);
        assertThat(named.timer()).isNull();
    }

    @Test
    void theDefaultIsKabukiWithNoHooksAndNoTimer() {
        assertThat(RuntimeContext.DEFAULT_THREAD_NAME_PREFIX).isEqualTo("kabuki");
        assertThat(RuntimeContext.DEFAULT).isEqualTo(new RuntimeContext("kabuki", ThreadHooks.NONE, null));
    }

    @Test
    void theDispatcherBuilderRefusesNoContext() {
        assertThatThrownBy(() -> WorkStealingDispatcher.builder().context(null))
                .isInstanceOf(NullPointerException.class).hasMessage("context");
    }
}
