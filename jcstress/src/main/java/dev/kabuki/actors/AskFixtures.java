package dev.kabuki.actors;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** What the jcstress tests of {@link ThreadAskDeadlines} share. */
final class AskFixtures {
    /**
     * One system for the whole run, never closed: its one actor, which never answers, is the
     * target of the asks a test fails (a failure message names its target). Current-thread
     * flavour on manual time: it starts no thread, so it never holds the forked JVM up.
     */
    private static final ActorSystem SYSTEM = ActorSystem.builder().threadNamePrefix("jcstress-asks")
            .flavor(ActorSystem.Flavor.CURRENT_THREAD).startPaused(true).build();
    static final ActorCell<Object> SILENT = (ActorCell<Object>) SYSTEM.<Object>spawnActor("silent", () -> (ctx, m) -> { });

    private AskFixtures() {
    }

    /**
     * A timer that runs nothing: it counts the stamping visits requested (delay zero) and the
     * expiry entries armed (a positive delay). Its clock stands still.
     */
    static final class CountingTimer implements Timer {
        final AtomicInteger visits = new AtomicInteger();
        final AtomicInteger entries = new AtomicInteger();

        @Override
        public Cancellable schedule(Duration delay, Task action) {
            (delay.isZero() ? visits : entries).incrementAndGet();
            return () -> true;
        }

        @Override
        public long nanoTime() {
            return 1_000_000;
        }
    }
}
