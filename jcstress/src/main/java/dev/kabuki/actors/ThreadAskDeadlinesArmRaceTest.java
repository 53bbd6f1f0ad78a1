package dev.kabuki.actors;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.kabuki.scheduler.Cancellable;
import dev.kabuki.scheduler.internal.Task;
import dev.kabuki.scheduler.internal.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * An asking thread adds an ask to its {@link ThreadAskDeadlines} while the timer thread runs
 * the firing of the entry armed before (the class note's hand-shake). Before the race the lane
 * holds one ask, answered and past its deadline, and the entry armed for it is the one firing:
 * its walk passes that ask and, unless it sees the new one, disarms. The new ask is not due for a
 * while, so it is left with a timeout only if someone arms an entry for it: the asker (it saw
 * the entry disarmed) or the walk (it saw the ask).
 *
 * <p>Would catch: the walk clearing {@code armed} after it has read the lanes instead of before,
 * the asker reading {@code armed} before its append is published, or the append's store not
 * volatile: each lets both sides miss the other, and the ask never times out.
 *
 * <p>r1: entries scheduled during the race; r2: 1 if the new ask is the one the walk would
 * still find waiting (a sanity check: its deadline is the latest armed).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "one side armed an entry for the new ask")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "both armed one (an early extra firing, harmless)")
@Outcome(id = "0, \\d", expect = FORBIDDEN, desc = "the new ask was left without a timeout")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ThreadAskDeadlinesArmRaceTest {
    /** A timer that only counts what is scheduled; its clock stands at 2 ms. */
    static final class CountingTimer implements Timer {
        final AtomicInteger scheduled = new AtomicInteger();
        volatile long now;
        volatile long lastDelayNanos;

        @Override
        public Cancellable schedule(Duration delay, Task action) {
            scheduled.incrementAndGet();
            lastDelayNanos = delay.toNanos();
            return () -> true;
        }

        @Override
        public long nanoTime() {
            return now;
        }
    }

    private final CountingTimer timer = new CountingTimer();
    private final ThreadAskDeadlines deadlines = new ThreadAskDeadlines(timer);
    private final AskReplyRef<Integer> next = new AskReplyRef<>(null, timer, Duration.ofMillis(5));
    private final int before;

    public ThreadAskDeadlinesArmRaceTest() {
        AskReplyRef<Integer> answered = new AskReplyRef<>(null, timer, Duration.ofMillis(1));
        deadlines.add(answered, Duration.ofMillis(1)); // arms entry 1 for t = 1 ms
        answered.complete(7);
        timer.now = 2_000_000; // entry 1 is due
        before = timer.scheduled.get();
    }

    @Actor
    public void asker() {
        deadlines.add(next, Duration.ofMillis(5)); // deadline t = 7 ms
    }

    /** The timer thread, running entry 1. */
    @Actor
    public void firing() {
        deadlines.expire(1);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = timer.scheduled.get() - before;
        r.r2 = timer.lastDelayNanos == 5_000_000 && !next.isFinished() ? 1 : 0;
    }
}
