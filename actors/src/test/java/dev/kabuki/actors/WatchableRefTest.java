package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.internal.ActorSystemInternals;
import dev.kabuki.actors.internal.WatchableRef;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Death watch of refs that are not local actors (remote ones), through {@link WatchableRef}. */
class WatchableRefTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("watchable").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    /** A stand-in for a remote actor's ref: its watchers run when the test ends it. */
    static final class FarRef implements WatchableRef<String> {
        final Set<Runnable> watchers = ConcurrentHashMap.newKeySet();

        @Override
        public void addWatcher(Runnable notify) {
            watchers.add(notify);
        }

        @Override
        public void removeWatcher(Runnable notify) {
            watchers.remove(notify);
        }

        void end() {
            for (Runnable r : watchers) {
                if (watchers.remove(r)) {
                    r.run();
                }
            }
        }

        @Override
        public void tell(String message) {
        }

        @Override
        public boolean tryTell(String message) {
            return false;
        }

        @Override
        public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends String> request, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String path() {
            return "kabuki://far@127.0.0.1:1/user/far";
        }

        @Override
        public String name() {
            return "far";
        }
    }

    @Test
    void aWatchedFarRefThatEndsDeliversTerminatedOnceAndAStoppedWatcherUnregisters() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountDownLatch terminated = new CountDownLatch(1);
        FarRef far = new FarRef();
        ActorRef<Object> watcher = system.spawnActor("w", () -> new WatchAndTimersTest.Watcher(log, terminated, false));
        watcher.tell(far);
        watcher.tell(far); // once
        ActorSystemTest.await("watching", () -> log.size() == 2);
        assertThat(far.watchers).hasSize(1);
        far.end();
        assertThat(terminated.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("watching far", "watching far", "terminated far");

        FarRef other = new FarRef();
        watcher.tell(other);
        ActorSystemTest.await("watching the other", () -> other.watchers.size() == 1);
        system.stop(watcher);
        ActorSystemTest.await("a stopped watcher leaves nothing registered", () -> other.watchers.isEmpty());
    }

    @Test
    void localActorsHaveANonZeroUidPerIncarnationAndTopLevelLookupFindsLiveOnes() throws Exception {
        ActorRef<String> a = system.spawnActor("a", () -> (ctx, m) -> { });
        int uid = ActorSystemInternals.actorUid(a);
        assertThat(uid).isNotZero();
        assertThat(ActorSystemInternals.topLevel(system, "a")).isSameAs(a);
        assertThat(ActorSystemInternals.actorUid(new FarRef())).isZero();
        system.stop(a);
        ActorSystemTest.await("gone", () -> ActorSystemInternals.topLevel(system, "a") == null);
        ActorRef<String> again = system.spawnActor("a", () -> (ctx, m) -> { });
        assertThat(ActorSystemInternals.actorUid(again)).as("a new incarnation, a new uid").isNotEqualTo(uid);
    }
}
