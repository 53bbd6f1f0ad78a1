package dev.kabuki.blocking.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.internal.RuntimeContext;
import dev.kabuki.scheduler.internal.ThreadHooks;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Builder validation and defaults. */
class BlockingPoolBuilderTest {

    @Test
    void builderRejectsBadValues() {
        ElasticBlockingPool.Builder b = ElasticBlockingPool.builder();
        assertThatThrownBy(() -> b.maxBlockingThreads(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBlockingThreads must be between 1 and 32767, got 0");
        assertThatThrownBy(() -> b.maxBlockingThreads(32768))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBlockingThreads must be between 1 and 32767, got 32768");
        assertThatThrownBy(() -> b.maxBlockingThreads(-5))
                .hasMessageContaining("maxBlockingThreads").hasMessageContaining("-5");
        assertThatThrownBy(() -> b.threadKeepAlive(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadKeepAlive must be positive, got PT0S");
        assertThatThrownBy(() -> b.threadKeepAlive(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadKeepAlive").hasMessageContaining("-0.001S");
        assertThatThrownBy(() -> b.threadKeepAlive(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadKeepAlive").hasMessageContaining("null");
        assertThatThrownBy(() -> b.blockingQueueCapacity(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blockingQueueCapacity").hasMessageContaining("got 0");
        // The prefix is checked where the shared context is made, before it reaches the builder.
        assertThatThrownBy(() -> b.context(RuntimeContext.named(" ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadNamePrefix must not be null or blank, got \" \"");
        assertThatThrownBy(() -> b.context(RuntimeContext.named(null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadNamePrefix").hasMessageContaining("null");
        assertThatThrownBy(() -> b.context(null))
                .isInstanceOf(NullPointerException.class).hasMessage("context");
        // The bad values were refused, so the builder still builds with its defaults.
        try (ElasticBlockingPool pool = b.build()) {
            assertThat(pool.toString()).contains("maxBlockingThreads=512").contains("kabuki-blocking-*");
        }
    }

    @Test
    void smallestAndLargestValidValuesAreAccepted() {
        try (ElasticBlockingPool pool = ElasticBlockingPool.builder()
                .maxBlockingThreads(1).maxBlockingThreads(32767)
                .threadKeepAlive(Duration.ofNanos(1)).threadKeepAlive(Duration.ofSeconds(Long.MAX_VALUE))
                .blockingQueueCapacity(1).blockingQueueCapacity(Integer.MAX_VALUE)
                .context(new RuntimeContext("x", new ThreadHooks(null, null), null))
                .build()) {
            assertThat(pool.spawnBlocking(() -> Thread.currentThread().getName()).join(Duration.ofSeconds(20)))
                    .isEqualTo("x-blocking-0");
        }
    }

    @Test
    void defaultsAreDocumentedConstants() {
        assertThat(ElasticBlockingPool.DEFAULT_MAX_BLOCKING_THREADS).isEqualTo(512);
        assertThat(ElasticBlockingPool.DEFAULT_THREAD_KEEP_ALIVE).isEqualTo(Duration.ofSeconds(10));
        assertThat(ElasticBlockingPool.DEFAULT_BLOCKING_QUEUE_CAPACITY).isEqualTo(Integer.MAX_VALUE);
        assertThat(ElasticBlockingPool.DEFAULT_CLOSE_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    }
}
