package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle.Outcome;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.TaskCancelledException;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of the public {@link Promise} made by a dispatcher ({@link CoreDispatcher#promise()}):
 * first completion wins, the dispatcher's timer serves {@code orTimeout}, and a current-thread
 * dispatcher's promise fails fast when joined outside {@code blockOn}.
 */
class PromiseTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final TimingWheel timer = new TimingWheel(r -> new Thread(r, "promise-timer"));
    private final WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
            .context(new RuntimeContext("promise", ThreadHooks.NONE, timer)).build();
    private final CurrentThreadDispatcher ct = new CurrentThreadDispatcher("promise-ct", timer);

    @AfterEach
    void tearDown() {
        timer.close();
        d.shutdown(Duration.ofSeconds(5));
        ct.shutdown(Duration.ofSeconds(5));
    }

    @Test
    void completeGivesTheValueAndLaterCompletionsChangeNothing() {
        Promise<String> p = d.promise();
        assertThat(p.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(p.complete("first")).isTrue();
        assertThat(p.complete("second")).isFalse();
        assertThat(p.fail(new IOException("late"))).isFalse();
        assertThat(p.abort()).isFalse();
        assertThat(p.join()).isEqualTo("first");
    }

    @Test
    void failGivesTheCauseToJoin() {
        Promise<String> p = d.promise();
        IOException boom = new IOException("boom");
        assertThat(p.fail(boom)).isTrue();
        assertThat(p.complete("late")).isFalse();
        assertThatThrownBy(p::join).isInstanceOf(TaskFailedException.class).hasCause(boom);
    }

    @Test
    void failWithNullIsRefusedAndLeavesThePromisePending() {
        Promise<String> p = d.promise();
        assertThatThrownBy(() -> p.fail(null)).isInstanceOf(NullPointerException.class);
        assertThat(p.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(p.complete("still open")).isTrue();
    }

    @Test
    void abortedPromiseRefusesCompletion() {
        Promise<String> p = d.promise();
        assertThat(p.abort()).isTrue();
        assertThat(p.complete("too late")).isFalse();
        assertThatThrownBy(p::join).isInstanceOf(TaskCancelledException.class);
    }

    @Test
    void orTimeoutOfAWorkStealingDispatchersPromiseFires() {
        Promise<String> p = d.promise();
        p.orTimeout(Duration.ofMillis(30));
        assertThatThrownBy(() -> p.join(LONG)).isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("timed out after 30 ms");
        assertThat(p.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(p.complete("too late")).isFalse();
    }

    @Test
    void aPromiseWhoseTimeoutCanNoLongerFireFailsWhenTheTimerShutsDown() {
        Promise<String> p = d.promise();
        p.orTimeout(Duration.ofHours(1));
        timer.shutdown();
        assertThatThrownBy(() -> p.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasMessageContaining("shut down before this promise's timeout (3600000 ms)");
        assertThat(p.complete("too late")).isFalse();
    }

    @Test
    void orTimeoutOfACurrentThreadDispatchersPromiseFiresInsideBlockOn() {
        assertThatThrownBy(() -> ct.blockOn(() -> ct.<String>promise()
                        .orTimeout(Duration.ofMillis(30)).join()))
                .isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(TaskTimeoutException.class)
                .hasMessageContaining("timed out after 30 ms");
    }

    @Test
    void currentThreadPromiseJoinedOutsideBlockOnFailsFast() {
        Promise<String> p = ct.promise();
        assertThatThrownBy(p::join).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside blockOn");
        p.complete("done");
        assertThat(p.join()).isEqualTo("done"); // finished: join does not wait, so no refusal
    }

    @Test
    void currentThreadPromiseCompletedByAnotherThreadWakesTheDriver() {
        String v = ct.blockOn(() -> {
            Promise<String> p = ct.promise();
            new Thread(() -> p.complete("from outside"), "promise-completer").start();
            return p.join();
        });
        assertThat(v).isEqualTo("from outside");
    }

    // Fails if complete and fail can both return true for one promise, if the outcome is not
    // the winner's, or if a callback runs other than exactly once: two threads released together
    // by a barrier, many rounds.
    @Test
    void completeRacingFailHasExactlyOneWinner() throws Exception {
        int rounds = 20_000;
        IOException boom = new IOException("boom");
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Promise<Integer>> current = new AtomicReference<>();
        AtomicBoolean failWon = new AtomicBoolean();
        AtomicReference<Throwable> failerError = new AtomicReference<>();
        CyclicBarrier done = new CyclicBarrier(2);
        Thread failer = new Thread(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    start.await();
                    failWon.set(current.get().fail(boom));
                    done.await();
                }
            } catch (Throwable t) {
                failerError.set(t);
            }
        }, "promise-failer");
        failer.start();
        int completeWins = 0;
        int failWins = 0;
        for (int i = 0; i < rounds; i++) {
            Promise<Integer> p = d.promise();
            AtomicInteger callbacks = new AtomicInteger();
            p.whenComplete((v, e) -> callbacks.incrementAndGet());
            current.set(p);
            start.await();
            boolean completeWon = p.complete(i);
            done.await();
            assertThat(completeWon).as("round %d: exactly one winner", i).isNotEqualTo(failWon.get());
            assertThat(callbacks).as("round %d: callback calls", i).hasValue(1);
            if (completeWon) {
                completeWins++;
                assertThat(p.join()).isEqualTo(i);
            } else {
                failWins++;
                assertThatThrownBy(p::join).isInstanceOf(TaskFailedException.class).hasCause(boom);
            }
        }
        failer.join(30_000);
        assertThat(failerError.get()).isNull();
        assertThat(completeWins + failWins).isEqualTo(rounds);
    }
}
