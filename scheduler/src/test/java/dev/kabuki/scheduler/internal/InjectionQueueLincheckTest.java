package dev.kabuki.scheduler.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Checks that {@link InjectionQueue} is a linearizable FIFO queue that never loses or duplicates
 * a task. Fails if a concurrent history of push, pushAll, poll, pollInto (a worker taking one
 * task and moving a batch into its {@link LocalRunQueue}), size and isEmpty has no explanation
 * by some sequential order of the same calls on a plain FIFO ({@link FifoSpecification}): a
 * task taken twice or out of order, a poll that finds nothing although a completed push left a
 * task, a batch that skips or repeats tasks, or a size that no moment of the queue ever had. A
 * validation function, run after every scenario, drains the queue and fails unless every task
 * pushed was taken exactly once (by object identity, so equal ids pushed twice do not hide a
 * duplicate).
 *
 * <p><b>Two scenario sets.</b> pollInto and size are checked in separate sets
 * ({@link BatchOperations}, {@link SizeOperations}), each with push, pushAll, poll and isEmpty:
 * a batch and a concurrent size are not linearizable together, by design (see
 * {@link InjectionQueue}'s note): producers and consumers hold different locks, so a batch is
 * sized from the put count before its take is published, and a size read in between counts
 * the batch alongside a task pushed after it was sized.
 *
 * <p>This is Lincheck's data-structure mode, as in {@link PromiseLincheckTest}: it generates
 * random scenarios (3 threads of 3 operations, plus operations before and after), model checks
 * each under many interleavings and compares the results with every sequential order. The
 * threads are Lincheck's own, so the JDK 25 {@code Thread.runWith} blind spot described in
 * {@link LincheckScenario} does not apply. Every {@code pollInto} moves its batch into a fresh
 * local queue owned by the calling thread, and returns the first task's id followed by the
 * batch in the order the local queue's owner pops it.
 *
 * <p><b>Out of reach.</b> The model is sequentially consistent: a count published with a plain
 * store instead of a release store passes here (jcstress's job:
 * {@code InjectionQueuePublicationTest} there). Crossing into a new chunk needs
 * {@value InjectionQueue#CHUNK_SIZE} queued tasks, far beyond a model-checked scenario;
 * {@link InjectionQueueStressTest} crosses thousands of chunks under contention.
 *
 * <p>Each property is also checked on a broken copy of the queue with one plausible mutation,
 * which must fail: see {@link WithCountsReadPutFirst} and
 * {@link WithBatchSizedOutsideTheLock}.
 */
class InjectionQueueLincheckTest {
    /** How Lincheck reports results that no sequential order explains. */
    private static final String NOT_LINEARIZABLE = "Invalid execution results";
    private static final String TASK_LOST_OR_DUPLICATED = "lost or duplicated task";

    static {
        // Initialise the queue classes (their VarHandles) outside the model-checked code.
        new LocalRunQueue().pushBack(new Token(0), new InjectionQueue());
        new InjectionQueueWithCountsReadPutFirst().push(new Token(0));
        new InjectionQueueWithBatchSizedOutsideTheLock().push(new Token(0));
    }

    /** A task that carries an id and counts how often it was taken out of the queue. */
    static final class Token implements Task {
        final int id;
        final AtomicInteger takes = new AtomicInteger();

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

    /** What the dispatcher uses of {@link InjectionQueue}, so that a broken copy can stand in. */
    interface GlobalQueue {
        void push(Task task);

        void pushAll(Task[] tasks);

        Task poll();

        Task pollInto(LocalRunQueue local, int max);

        boolean isEmpty();

        int size();

        static GlobalQueue real() {
            InjectionQueue q = new InjectionQueue();
            return new GlobalQueue() {
                @Override
                public void push(Task task) {
                    q.push(task);
                }

                @Override
                public void pushAll(Task[] tasks) {
                    q.pushAll(tasks);
                }

                @Override
                public Task poll() {
                    return q.poll();
                }

                @Override
                public Task pollInto(LocalRunQueue local, int max) {
                    return q.pollInto(local, max);
                }

                @Override
                public boolean isEmpty() {
                    return q.isEmpty();
                }

                @Override
                public int size() {
                    return q.size();
                }
            };
        }
    }

    /**
     * The operations both scenario sets share, on one {@link InjectionQueue}: push, pushAll,
     * poll and isEmpty. {@link BatchOperations} adds pollInto, {@link SizeOperations} adds size
     * (see the class note for why not both at once). The broken copies subclass one of them.
     */
    @Param(name = "id", gen = IntGen.class, conf = "1:9")
    @Param(name = "max", gen = IntGen.class, conf = "0:2")
    public abstract static class QueueOperations {
        final GlobalQueue queue;
        private final AtomicInteger pushed = new AtomicInteger();
        private final AtomicInteger taken = new AtomicInteger();
        private final AtomicInteger takenTwice = new AtomicInteger();

        QueueOperations(GlobalQueue queue) {
            this.queue = queue;
        }

        @Operation
        public void push(@Param(name = "id") int id) {
            pushed.incrementAndGet();
            queue.push(new Token(id));
        }

        /** As a full local queue overflows: several tasks in one call. */
        @Operation
        public void pushAll(@Param(name = "id") int first, @Param(name = "id") int second) {
            pushed.addAndGet(2);
            queue.pushAll(new Task[] {new Token(first), new Token(second)});
        }

        @Operation
        public Integer poll() {
            Token t = took(queue.poll());
            return t == null ? null : t.id;
        }

        /** The first task's id, then the batch's in the order its new owner pops them. */
        List<Integer> pollIntoIds(int max) {
            LocalRunQueue local = new LocalRunQueue();
            List<Integer> ids = new ArrayList<>();
            for (Task t = queue.pollInto(local, max); t != null; t = local.pop()) {
                ids.add(took(t).id);
            }
            return ids;
        }


        @Operation
        public boolean isEmpty() {
            return queue.isEmpty();
        }

        private Token took(Task task) {
            Token t = (Token) task;
            if (t != null) {
                taken.incrementAndGet();
                if (t.takes.incrementAndGet() != 1) {
                    takenTwice.incrementAndGet();
                }
            }
            return t;
        }

        /**
         * After every scenario: drains the queue, then fails unless every pushed task was taken
         * exactly once and the queue reads empty.
         */
        @Validate
        public void everyTaskTakenExactlyOnce() {
            for (int i = 0; i <= pushed.get() && took(queue.poll()) != null; i++) {
                // drain; bounded in case a broken queue hands out a task forever
            }
            if (takenTwice.get() != 0 || taken.get() != pushed.get() || queue.size() != 0
                    || !queue.isEmpty()) {
                throw new AssertionError(TASK_LOST_OR_DUPLICATED + ": " + pushed.get() + " pushed, "
                        + taken.get() + " taken (" + takenTwice.get() + " a second time), size "
                        + queue.size() + " after draining");
            }
        }
    }

    /** The sequential specification: a FIFO of ids. */
    public static class FifoSpecification {
        private final ArrayDeque<Integer> fifo = new ArrayDeque<>();

        public void push(int id) {
            fifo.addLast(id);
        }

        public void pushAll(int first, int second) {
            fifo.addLast(first);
            fifo.addLast(second);
        }

        public Integer poll() {
            return fifo.pollFirst();
        }

        public List<Integer> pollInto(int max) {
            List<Integer> ids = new ArrayList<>();
            if (!fifo.isEmpty()) {
                ids.add(fifo.pollFirst());
                for (int i = 0; i < max && !fifo.isEmpty(); i++) {
                    ids.add(fifo.pollFirst());
                }
            }
            return ids;
        }

        public int size() {
            return fifo.size();
        }

        public boolean isEmpty() {
            return fifo.isEmpty();
        }
    }

    /** The shared operations and pollInto. */
    public static class BatchOperations extends QueueOperations {
        public BatchOperations() {
            this(GlobalQueue.real());
        }

        BatchOperations(GlobalQueue queue) {
            super(queue);
        }

        @Operation
        public List<Integer> pollInto(@Param(name = "max") int max) {
            return pollIntoIds(max);
        }
    }

    /** The shared operations and size. */
    public static class SizeOperations extends QueueOperations {
        public SizeOperations() {
            this(GlobalQueue.real());
        }

        SizeOperations(GlobalQueue queue) {
            super(queue);
        }

        @Operation
        public int size() {
            return queue.size();
        }
    }

    /** The operations on {@link InjectionQueueWithCountsReadPutFirst}. */
    public static class WithCountsReadPutFirst extends SizeOperations {
        public WithCountsReadPutFirst() {
            super(new InjectionQueueWithCountsReadPutFirst());
        }
    }

    /** The operations on {@link InjectionQueueWithBatchSizedOutsideTheLock}. */
    public static class WithBatchSizedOutsideTheLock extends BatchOperations {
        public WithBatchSizedOutsideTheLock() {
            super(new InjectionQueueWithBatchSizedOutsideTheLock());
        }
    }

    /**
     * 10 random scenarios of 3 threads of 3 operations (plus 2 before and 2 after), 100
     * interleavings each: every operation here takes the lock at most once, so it has few
     * switch points. Both broken copies fail in the first scenario (the generator produced the
     * same scenarios on every run we made).
     */
    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions()
                .iterations(10)
                .invocationsPerIteration(100)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(FifoSpecification.class);
    }

    /**
     * For the broken copies: the same scenarios, without shrinking the failing one to a
     * minimal report (only whether it fails matters; shrinking costs many more runs).
     */
    private static ModelCheckingOptions optionsForBrokenCopies() {
        return options().minimizeFailedScenario(false);
    }

    // Fails if two takers can get the same task or a task can be skipped (a slot access outside
    // the take lock), if a poll can return null although a completed push left a task (a count
    // stored late, or the counts read in an order that can miss it on the lock-free fast path),
    // if a batch can take more than was queued or out of order, or if size/isEmpty can report
    // a count the queue never had.
    @Test
    void injectionQueueIsALinearizableFifo() {
        options().check(BatchOperations.class);
    }

    // Fails if size can report a length the queue never had against concurrent pushes and
    // polls (the counts read in an order that lets a push and a take slip between them).
    @Test
    void sizeIsLinearizableAgainstPushAndPoll() {
        options().check(SizeOperations.class);
    }

    // The check must have teeth: it fails on copies of InjectionQueue with a plausible race,
    // either as results no sequential FIFO explains or in the validation function (not, say,
    // as a hang).

    @Test
    void catchesCountsReadInTheWrongOrder() {
        assertThatThrownBy(() -> optionsForBrokenCopies().check(WithCountsReadPutFirst.class))
                .isInstanceOf(LincheckAssertionError.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .containsAnyOf(NOT_LINEARIZABLE, TASK_LOST_OR_DUPLICATED));
    }

    @Test
    void catchesABatchSizedFromTheLockFreeSize() {
        assertThatThrownBy(() -> optionsForBrokenCopies().check(WithBatchSizedOutsideTheLock.class))
                .isInstanceOf(LincheckAssertionError.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .containsAnyOf(NOT_LINEARIZABLE, TASK_LOST_OR_DUPLICATED));
    }
}
