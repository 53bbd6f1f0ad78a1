package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinSet;
import dev.kabuki.scheduler.JoinTimeoutException;
import dev.kabuki.scheduler.Promise;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskSpawner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JoinSetTest {
    private final WorkStealingDispatcher d = WorkStealingDispatcher.builder().workerThreads(2)
            .context(RuntimeContext.named("joinset")).build();
    /** Blocking work for these tests: plain threads stand in for the blocking pool. */
    private final TaskSpawner spawner = new TaskSpawner() {
        @Override
        public <T> JoinHandle<T> spawn(Callable<T> body) {
            return d.spawn(body);
        }

        @Override
        public <T> JoinHandle<T> spawnBlocking(Callable<T> body) {
            CallableTask<T> t = new CallableTask<>(body, null);
            new Thread(t, "joinset-blocking").start();
            return t;
        }

        @Override
        public <T> Promise<T> promise() {
            return d.promise();
        }
    };

    @AfterEach
    void tearDown() {
        d.shutdown(Duration.ofSeconds(10));
    }

    @Test
    void joinNextReturnsTasksInCompletionOrder() throws Exception {
        CountDownLatch releaseSlow = new CountDownLatch(1);
        try (JoinSet<String> set = new JoinSet<>(spawner)) {
            set.spawnBlocking(() -> {
                JoinHandleTest.awaitUninterruptibly(releaseSlow);
                return "slow";
            });
            set.spawn(() -> "fast");
            assertThat(set.joinNext().join()).isEqualTo("fast");
            releaseSlow.countDown();
            assertThat(set.joinNext().join()).isEqualTo("slow");
            assertThat(set.joinNext()).isNull();
            assertThat(set.isEmpty()).isTrue();
        }
    }

    @Test
    void closeAbortsEverythingStillRunning() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        JoinHandle<String> h;
        try (JoinSet<String> set = new JoinSet<>(spawner)) {
            h = set.spawnBlocking(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return "never";
            });
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(h.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void joinAllCollectsValuesAndTheFirstFailureAbortsTheRest() {
        try (JoinSet<Integer> set = new JoinSet<>(spawner)) {
            for (int i = 0; i < 100; i++) {
                int v = i;
                set.spawn(() -> v);
            }
            List<Integer> values = new ArrayList<>(set.joinAll());
            values.sort(null);
            assertThat(values).hasSize(100).startsWith(0, 1, 2).endsWith(99);
        }
        PromiseHandle<Integer> never = new PromiseHandle<>(null);
        try (JoinSet<Integer> set = new JoinSet<>(spawner)) {
            JoinHandle<Integer> pending = set.add(never);
            set.spawn(() -> {
                throw new IllegalStateException("bad");
            });
            assertThatThrownBy(set::joinAll).isInstanceOf(TaskFailedException.class)
                    .hasRootCauseMessage("bad");
            assertThat(pending.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        }
    }

    @Test
    void joinNextWithTimeoutAndTryJoinNext() {
        try (JoinSet<Integer> set = new JoinSet<>(spawner)) {
            set.add(new PromiseHandle<>(null));
            assertThat(set.tryJoinNext()).isNull();
            assertThatThrownBy(() -> set.joinNext(Duration.ofMillis(20))).isInstanceOf(JoinTimeoutException.class);
            assertThat(set.size()).isEqualTo(1);
        }
    }

    @Test
    void aClosedSetRefusesNewMembers() {
        JoinSet<Integer> set = new JoinSet<>(spawner);
        set.close();
        PromiseHandle<Integer> p = new PromiseHandle<>(null);
        assertThatThrownBy(() -> set.add(p)).isInstanceOf(IllegalStateException.class);
        assertThat(p.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
    }

    @Test
    void handlesOfASubtypeJoinASetOfTheSupertypeAndStayTheSameHandle() {
        try (JoinSet<Number> set = new JoinSet<>(spawner)) {
            Promise<Integer> ints = set.add(spawner.<Integer>promise());
            JoinHandle<Double> doubles = set.add(d.spawn(() -> 2.5));
            JoinHandle<Long> derived = set.add(ints.map(Integer::longValue));
            ints.complete(7);
            List<Number> values = new ArrayList<>();
            List<Object> returned = new ArrayList<>(); // handles compare by identity
            JoinHandle<Number> h;
            while ((h = set.joinNext(Duration.ofSeconds(30))) != null) {
                returned.add(h);
                values.add(h.join());
            }
            assertThat(values).containsExactlyInAnyOrder(7, 2.5, 7L);
            assertThat(returned).containsExactlyInAnyOrder(ints, doubles, derived);
        }
    }

    @Test
    void closingTheSetAbortsAnAdoptedPromiseAndTheSourceOfAnAdoptedDerivedHandle() {
        Promise<String> adopted = spawner.promise();
        Promise<Integer> source = spawner.promise();
        JoinSet<Object> set = new JoinSet<>(spawner);
        set.add(adopted);
        set.add(source.map(v -> v + 1));
        set.close();
        assertThat(adopted.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
        assertThat(source.outcome()).isEqualTo(JoinHandle.Outcome.CANCELLED);
    }
}
