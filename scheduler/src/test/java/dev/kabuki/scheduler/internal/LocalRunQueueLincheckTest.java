package dev.kabuki.scheduler.internal;

import static dev.kabuki.scheduler.internal.LincheckScenario.check;
import static dev.kabuki.scheduler.internal.LincheckScenario.fork;
import static dev.kabuki.scheduler.internal.LincheckScenario.joinAll;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Model checks {@link LocalRunQueue} (our loom): every pushed task is taken exactly once, by a
 * pop, a steal or an overflow into the {@link InjectionQueue}; never twice, never lost; the
 * owner pops in FIFO order.
 *
 * <p>Each test is a {@link LincheckScenario}: the main thread fills the queue, forks two or
 * three threads (each the owner of one queue, as in the dispatcher), joins them, drains every
 * queue and counts every token. The queue's capacity is fixed at
 * {@value LocalRunQueue#CAPACITY}, so the overflow scenario fills it completely before the
 * threads start, and raises Lincheck's loop limits above its 256-iteration loops (see
 * {@link LincheckScenario}: with the default limits that scenario would pass vacuously).
 */
class LocalRunQueueLincheckTest {

    private static final int INVOCATIONS = 3_000;
    /** Each invocation of the overflow scenario moves ~800 tasks: fewer, dearer invocations. */
    private static final int OVERFLOW_INVOCATIONS = 1_000;
    /** The fill loop (256 pushes) is the longest loop of the overflow scenario. */
    private static final int OVERFLOW_LONGEST_LOOP = LocalRunQueue.CAPACITY + 1;

    /** A task that only carries its push order. */
    static final class Token implements Task {
        final int id;

        Token(int id) {
            this.id = id;
        }

        @Override
        public void run() {
        }

        @Override
        public void abandon(Throwable reason) {
        }

        @Override
        public String toString() {
            return "Token#" + id;
        }
    }

    /** What one taker (a thread, or the final drain) got, in the order it got it. */
    static final class Taken {
        final String who;
        private Token[] tokens = new Token[8];
        private int size;

        Taken(String who) {
            this.who = who;
        }

        void add(Task t) {
            if (t == null) {
                return;
            }
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
            }
            tokens[size++] = (Token) t;
        }

        /** Pops {@code q} until it is empty (only its owner may call this). */
        void drain(LocalRunQueue q) {
            for (Task t = q.pop(); t != null; t = q.pop()) {
                add(t);
            }
        }

        void drain(InjectionQueue q) {
            for (Task t = q.poll(); t != null; t = q.poll()) {
                add(t);
            }
        }

        /** Fails unless the ids this taker got are strictly increasing (FIFO for the owner). */
        void assertFifo() {
            for (int i = 1; i < size; i++) {
                if (tokens[i].id <= tokens[i - 1].id) {
                    throw new AssertionError(who + " took out of FIFO order: " + this);
                }
            }
        }

        @Override
        public String toString() {
            return who + Arrays.toString(Arrays.copyOf(tokens, size));
        }
    }

    private static void pushTokens(LocalRunQueue q, InjectionQueue overflow, int from, int to) {
        for (int i = from; i < to; i++) {
            q.pushBack(new Token(i), overflow);
        }
    }

    /** Fails unless tokens {@code 0..total-1} were taken exactly once across all takers. */
    private static void assertEachTakenOnce(int total, Taken... takers) {
        int[] counts = new int[total];
        for (Taken taken : takers) {
            for (int i = 0; i < taken.size; i++) {
                counts[taken.tokens[i].id]++;
            }
        }
        for (int id = 0; id < total; id++) {
            if (counts[id] != 1) {
                StringBuilder all = new StringBuilder();
                for (Taken taken : takers) {
                    all.append("\n  ").append(taken);
                }
                throw new AssertionError("Token#" + id + " taken " + counts[id]
                        + " times (expected exactly once); takers:" + all);
            }
        }
    }

    // Fails if a steal and a pop can both take the same task (e.g. pop's CAS on head replaced by
    // a plain store, or a stealer copying slots the owner popped meanwhile), or if one is lost.
    @Test
    void popAndStealTakeEveryTaskExactlyOnce() {
        check(INVOCATIONS, () -> {
            InjectionQueue overflow = new InjectionQueue();
            LocalRunQueue src = new LocalRunQueue();
            LocalRunQueue dst = new LocalRunQueue();
            pushTokens(src, overflow, 0, 4);
            Taken owner = new Taken("src owner ");
            Taken thief = new Taken("stealer ");
            Thread ownerThread = fork(() -> {
                owner.add(src.pop());
                owner.add(src.pop());
            });
            Thread thiefThread = fork(() -> {
                thief.add(src.stealInto(dst));
                thief.drain(dst);
            });
            joinAll(ownerThread, thiefThread);
            owner.drain(src);
            Taken injected = new Taken("injection ");
            injected.drain(overflow);
            assertEachTakenOnce(4, owner, thief, injected);
            owner.assertFifo();
        });
    }

    // Fails if a stealer can see a pushed slot before it is written (tail published before the
    // slot), or if a push and a concurrent steal or pop lose or duplicate a task.
    @Test
    void pushPopAndStealInterleavedTakeEveryTaskExactlyOnce() {
        check(INVOCATIONS, () -> {
            InjectionQueue overflow = new InjectionQueue();
            LocalRunQueue src = new LocalRunQueue();
            LocalRunQueue dst = new LocalRunQueue();
            pushTokens(src, overflow, 0, 1);
            Taken owner = new Taken("src owner ");
            Taken thief = new Taken("stealer ");
            Thread ownerThread = fork(() -> {
                src.pushBack(new Token(1), overflow);
                owner.add(src.pop());
                src.pushBack(new Token(2), overflow);
            });
            Thread thiefThread = fork(() -> {
                thief.add(src.stealInto(dst));
                thief.drain(dst);
                thief.add(src.stealInto(dst));
                thief.drain(dst);
            });
            joinAll(ownerThread, thiefThread);
            owner.drain(src);
            Taken injected = new Taken("injection ");
            injected.drain(overflow);
            assertEachTakenOnce(3, owner, thief, injected);
            owner.assertFifo();
        });
    }

    // Fails if the owner's overflow and a concurrent steal can claim the same slots (overflow's
    // CAS on head replaced by a plain store), or if the owner measures free room from `real`
    // instead of `steal` and so overwrites a slot that a stealer has claimed but not yet copied.
    @Test
    void overflowRacingStealMovesEveryTaskExactlyOnce() {
        final int full = LocalRunQueue.CAPACITY;
        check(OVERFLOW_INVOCATIONS, OVERFLOW_LONGEST_LOOP, () -> {
            InjectionQueue overflow = new InjectionQueue();
            LocalRunQueue src = new LocalRunQueue();
            LocalRunQueue dst = new LocalRunQueue();
            pushTokens(src, overflow, 0, full);
            Taken owner = new Taken("src owner ");
            Taken thief = new Taken("stealer ");
            Thread ownerThread = fork(() -> {
                src.pushBack(new Token(full), overflow); // full: half of the queue overflows
                owner.add(src.pop());
            });
            // The stealer only steals: its thread is one of the two whose every access is a
            // switch point, so it does not drain here (the main thread drains dst afterwards).
            Thread thiefThread = fork(() -> thief.add(src.stealInto(dst)));
            joinAll(ownerThread, thiefThread);
            thief.drain(dst);
            owner.drain(src);
            Taken injected = new Taken("injection ");
            injected.drain(overflow);
            assertEachTakenOnce(full + 1, owner, thief, injected);
            owner.assertFifo();
        });
    }

    // Fails if two stealers can claim overlapping ranges (a stealer ignoring a steal in
    // progress, steal != real), or a pop racing both of them takes a claimed task.
    @Test
    void twoStealersAndPopTakeEveryTaskExactlyOnce() {
        check(INVOCATIONS, () -> {
            InjectionQueue overflow = new InjectionQueue();
            LocalRunQueue src = new LocalRunQueue();
            LocalRunQueue dst1 = new LocalRunQueue();
            LocalRunQueue dst2 = new LocalRunQueue();
            pushTokens(src, overflow, 0, 4);
            Taken owner = new Taken("src owner ");
            Taken thief1 = new Taken("stealer 1 ");
            Taken thief2 = new Taken("stealer 2 ");
            Thread ownerThread = fork(() -> owner.add(src.pop()));
            Thread thief1Thread = fork(() -> {
                thief1.add(src.stealInto(dst1));
                thief1.drain(dst1);
            });
            Thread thief2Thread = fork(() -> {
                thief2.add(src.stealInto(dst2));
                thief2.drain(dst2);
            });
            joinAll(ownerThread, thief1Thread, thief2Thread);
            owner.drain(src);
            assertEachTakenOnce(4, owner, thief1, thief2);
            owner.assertFifo();
        });
    }

    // Fails if a steal publishes the batch in its own queue (releases dst's tail) before it has
    // copied it, so that a second-hop stealer takes empty slots and tasks are lost or duplicated.
    @Test
    void chainedStealsTakeEveryTaskExactlyOnce() {
        check(INVOCATIONS, () -> {
            InjectionQueue overflow = new InjectionQueue();
            LocalRunQueue src = new LocalRunQueue();
            LocalRunQueue mid = new LocalRunQueue();
            LocalRunQueue dst = new LocalRunQueue();
            pushTokens(src, overflow, 0, 5);
            Taken midOwner = new Taken("mid owner ");
            Taken dstOwner = new Taken("dst owner ");
            Thread midThread = fork(() -> {
                midOwner.add(src.stealInto(mid)); // takes 3 of 5, keeps 2 in mid
                midOwner.drain(mid);
            });
            Thread dstThread = fork(() -> {
                dstOwner.add(mid.stealInto(dst));
                dstOwner.drain(dst);
            });
            joinAll(midThread, dstThread);
            Taken srcOwner = new Taken("src drain ");
            srcOwner.drain(src);
            assertEachTakenOnce(5, midOwner, dstOwner, srcOwner);
            srcOwner.assertFifo();
        });
    }
}
