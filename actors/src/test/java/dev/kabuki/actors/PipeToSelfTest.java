package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** pipeToSelf, ctx.ask and ask with a status reply: results come back as the actor's own messages. */
class PipeToSelfTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("pipe").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    // ------------------------------------------------------------ one at a time

    sealed interface Msg {}

    record Pipe(List<CompletableFuture<Integer>> futures, List<JoinHandle<Integer>> handles) implements Msg {}

    record Piped(int value) implements Msg {}

    record Plain(int value) implements Msg {}

    record Report(CompletableFuture<int[]> out) implements Msg {}

    /**
     * Counts what it receives in plain fields and detects any overlap of two threads inside the
     * actor (receive or the pipe's mapper): with one thread at a time, {@code inside} is never
     * seen above 1.
     */
    static final class Counter implements Actor<Msg> {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        int piped;
        int plain;
        long sum;

        private void enter() {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
        }

        private void leave() {
            inside.decrementAndGet();
        }

        @Override
        public void receive(ActorContext<Msg> ctx, Msg msg) {
            enter();
            try {
                switch (msg) {
                    case Pipe p -> {
                        for (CompletableFuture<Integer> f : p.futures()) {
                            ctx.pipeToSelf(f, (v, e) -> {
                                enter(); // the mapper also runs on the actor's thread
                                try {
                                    return new Piped(v);
                                } finally {
                                    leave();
                                }
                            });
                        }
                        for (JoinHandle<Integer> h : p.handles()) {
                            ctx.pipeToSelf(h, (v, e) -> new Piped(v));
                        }
                    }
                    case Piped p -> {
                        int before = piped;
                        Thread.onSpinWait(); // widen the window a racing thread would hit
                        piped = before + 1;
                        sum += p.value();
                    }
                    case Plain p -> {
                        int before = plain;
                        Thread.onSpinWait();
                        plain = before + 1;
                        sum += p.value();
                    }
                    case Report r -> r.out().complete(new int[] {piped, plain, (int) sum, overlaps.get()});
                }
            } finally {
                leave();
            }
        }
    }

    @Test
    void pipedResultsAreHandledOneAtATimeWithTheActorsOtherMessages() throws Exception {
        int threads = 4;
        int perThread = 5_000;
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            futures.add(new CompletableFuture<>());
        }
        List<JoinHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            int v = i;
            handles.add(system.spawn(() -> v)); // completed on core workers, racing the rest
        }
        Counter counter = new Counter();
        ActorRef<Msg> ref = system.spawnActor("counter", () -> counter);
        ref.tell(new Pipe(futures, handles));
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> completers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = t * perThread;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = from; i < from + perThread; i++) {
                    futures.get(i).complete(1);
                    ref.tell(new Plain(1));
                }
            });
            th.start();
            completers.add(th);
        }
        go.countDown();
        for (Thread th : completers) {
            th.join(TimeUnit.SECONDS.toMillis(60));
        }
        long handleSum = (long) 2_000 * 1_999 / 2;
        ActorSystemTest.await("every result handled", () -> {
            CompletableFuture<int[]> out = new CompletableFuture<>();
            ref.tell(new Report(out));
            int[] r = out.join();
            return r[0] == threads * perThread + 2_000 && r[1] == threads * perThread;
        });
        CompletableFuture<int[]> out = new CompletableFuture<>();
        ref.tell(new Report(out));
        int[] r = out.get(30, TimeUnit.SECONDS);
        assertThat(r[3]).as("overlapping threads inside the actor").isZero();
        assertThat((long) r[2]).isEqualTo(2L * threads * perThread + handleSum);
    }

    // ------------------------------------------------------------ outcomes reach the mapper

    sealed interface AskerMsg {}

    record AskIt(ActorRef<EchoMsg> target, Duration timeout) implements AskerMsg {}

    record Outcome(Object value, Throwable failure) implements AskerMsg {}

    sealed interface EchoMsg {}

    record Echo(String text, ActorRef<String> replyTo) implements EchoMsg {}

    record Ignore(ActorRef<String> replyTo) implements EchoMsg {}

    static ActorRef<AskerMsg> asker(ActorSystem system, String name, List<Outcome> outcomes, CountDownLatch done) {
        return system.spawnActor(name, () -> (ctx, msg) -> {
            switch (msg) {
                case AskIt a -> ctx.ask(a.target(), r -> new Echo("hi", r), a.timeout(),
                        (String reply, Throwable failure) -> new Outcome(reply, failure));
                case Outcome o -> {
                    outcomes.add(o);
                    done.countDown();
                }
            }
        });
    }

    @Test
    void askFromInsideAnActorDeliversTheReplyTheTimeoutOrTheStopAsAMessage() throws Exception {
        ActorRef<EchoMsg> echo = system.spawnActor("echo", () -> (ctx, m) -> {
            if (m instanceof Echo e) {
                e.replyTo().tell(e.text() + "!");
            }
        });
        ActorRef<EchoMsg> silent = system.spawnActor("silent", () -> (ctx, m) -> { });
        ActorRef<EchoMsg> gone = system.spawnActor("gone", () -> (ctx, m) -> { });
        system.stop(gone);
        ActorSystemTest.await("gone stopped", () -> !gone.tryTell(new Ignore(system.ignoreRef())));

        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        ActorRef<AskerMsg> asker = asker(system, "asker", outcomes, done);
        asker.tell(new AskIt(echo, Duration.ofSeconds(30)));
        asker.tell(new AskIt(silent, Duration.ofMillis(50)));
        asker.tell(new AskIt(gone, Duration.ofSeconds(30)));
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(outcomes).anySatisfy(o -> {
            assertThat(o.value()).isEqualTo("hi!");
            assertThat(o.failure()).isNull();
        });
        assertThat(outcomes).anySatisfy(o -> {
            assertThat(o.failure()).isInstanceOf(TaskTimeoutException.class)
                    .hasMessageContaining("/user/silent").hasMessageContaining("Echo");
        });
        assertThat(outcomes).anySatisfy(o -> assertThat(o.failure()).isInstanceOf(ActorTerminatedException.class)
                .hasMessageContaining("/user/gone"));
    }

    @Test
    void aThrowingMapperIsAFailureOfTheActorAndAPipeToAStoppedActorIsADeadLetter() throws Exception {
        CountDownLatch restarted = new CountDownLatch(1);
        CompletableFuture<String> late = new CompletableFuture<>();
        CountDownLatch piped = new CountDownLatch(1);
        ActorRef<String> ref = system.spawnActor("mapper", () -> new Actor<String>() {
            @Override
            public void receive(ActorContext<String> ctx, String msg) {
                if (msg.equals("pipe-bad")) {
                    ctx.pipeToSelf(CompletableFuture.completedFuture(1), (v, e) -> {
                        throw new IllegalStateException("mapper failed");
                    });
                } else if (msg.equals("pipe-late")) {
                    ctx.pipeToSelf(late, (v, e) -> v);
                    piped.countDown();
                }
            }

            @Override
            public void onRestart(ActorContext<String> ctx, Throwable cause) {
                if (cause.getMessage().equals("mapper failed")) {
                    restarted.countDown();
                }
            }
        });
        ref.tell("pipe-bad");
        assertThat(restarted.await(30, TimeUnit.SECONDS)).as("supervision restarted the actor").isTrue();

        ref.tell("pipe-late");
        assertThat(piped.await(30, TimeUnit.SECONDS)).isTrue(); // a stop overtakes queued messages
        system.stop(ref);
        ActorSystemTest.await("stopped", () -> !ref.tryTell("x"));
        List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = system.deadLetters().subscribe(dead::add)) {
            late.complete("too late");
            ActorSystemTest.await("the piped result is a dead letter", () -> dead.stream().anyMatch(
                    d -> d.message().toString().equals("pipeToSelf result (value too late)")));
        }
    }

    // ------------------------------------------------------------ business errors: the bank

    sealed interface AccountMsg {}

    record Withdraw(long amount, ActorRef<StatusReply<Long>> replyTo) implements AccountMsg {}

    record Deposit(long amount, ActorRef<StatusReply<Long>> replyTo) implements AccountMsg {}

    record Balance(ActorRef<Long> replyTo) implements AccountMsg {}

    static final class Account implements Actor<AccountMsg> {
        private long balance;
        private final AtomicInteger starts;

        Account(long balance, AtomicInteger starts) {
            this.balance = balance;
            this.starts = starts;
        }

        @Override
        public void onStart(ActorContext<AccountMsg> ctx) {
            starts.incrementAndGet();
        }

        @Override
        public void receive(ActorContext<AccountMsg> ctx, AccountMsg msg) {
            switch (msg) {
                case Withdraw w -> {
                    if (w.amount() > balance) {
                        w.replyTo().tell(StatusReply.error("insufficient funds: balance " + balance
                                + ", asked " + w.amount()));
                    } else {
                        balance -= w.amount();
                        w.replyTo().tell(StatusReply.success(balance));
                    }
                }
                case Deposit d -> {
                    balance += d.amount();
                    d.replyTo().tell(StatusReply.success(balance));
                }
                case Balance b -> b.replyTo().tell(balance);
            }
        }
    }

    sealed interface TransferMsg {}

    record Transfer(long amount, CompletableFuture<String> result) implements TransferMsg {}

    record Withdrawn(Transfer transfer, Throwable failure) implements TransferMsg {}

    record Deposited(Transfer transfer, Throwable failure) implements TransferMsg {}

    /** Asks both accounts from inside an actor, one transfer at a time, with no shared state. */
    static final class TransferCoordinator implements Actor<TransferMsg> {
        private final ActorRef<AccountMsg> from;
        private final ActorRef<AccountMsg> to;
        private final Map<Transfer, String> inFlight = new HashMap<>();

        TransferCoordinator(ActorRef<AccountMsg> from, ActorRef<AccountMsg> to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void receive(ActorContext<TransferMsg> ctx, TransferMsg msg) {
            switch (msg) {
                case Transfer t -> {
                    inFlight.put(t, "withdrawing");
                    ctx.askWithStatus(from, r -> new Withdraw(t.amount(), r), Duration.ofSeconds(30),
                            (Long balance, Throwable failure) -> new Withdrawn(t, failure));
                }
                case Withdrawn w when w.failure() != null -> {
                    inFlight.remove(w.transfer());
                    w.transfer().result().complete("refused: " + w.failure().getMessage());
                }
                case Withdrawn w -> {
                    inFlight.put(w.transfer(), "depositing");
                    ctx.askWithStatus(to, r -> new Deposit(w.transfer().amount(), r), Duration.ofSeconds(30),
                            (Long balance, Throwable failure) -> new Deposited(w.transfer(), failure));
                }
                case Deposited d -> {
                    inFlight.remove(d.transfer());
                    d.transfer().result().complete(d.failure() == null ? "done" : "failed: " + d.failure());
                }
            }
        }
    }

    @Test
    void aBusinessErrorFailsTheAskWithoutALogADeadLetterOrARestart() throws Exception {
        AtomicInteger starts = new AtomicInteger();
        ActorRef<AccountMsg> alice = system.spawnActor("alice", () -> new Account(100, starts));
        ActorRef<AccountMsg> bob = system.spawnActor("bob", () -> new Account(0, starts));
        ActorRef<TransferMsg> bank = system.spawnActor("bank", () -> new TransferCoordinator(alice, bob));
        long deadBefore = system.deadLetters().count();

        Transfer ok = new Transfer(70, new CompletableFuture<>());
        bank.tell(ok);
        assertThat(ok.result().get(30, TimeUnit.SECONDS)).isEqualTo("done");
        Transfer tooMuch = new Transfer(70, new CompletableFuture<>());
        bank.tell(tooMuch);
        assertThat(tooMuch.result().get(30, TimeUnit.SECONDS))
                .isEqualTo("refused: insufficient funds: balance 30, asked 70");

        assertThat(alice.<Long>ask(Balance::new, Duration.ofSeconds(30)).join()).isEqualTo(30L);
        assertThat(bob.<Long>ask(Balance::new, Duration.ofSeconds(30)).join()).isEqualTo(70L);
        assertThat(starts.get()).as("no restart: each account started once").isEqualTo(2);
        assertThat(system.deadLetters().count()).isEqualTo(deadBefore);

        // From outside an actor: the handle fails with the target's message.
        JoinHandle<Long> refused = alice.<Long>askWithStatus(r -> new Withdraw(1_000, r), Duration.ofSeconds(30));
        assertThatThrownBy(refused::join).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(StatusReplyException.class)
                .hasMessage("insufficient funds: balance 30, asked 1000");
        assertThat(alice.<Long>askWithStatus(r -> new Withdraw(10, r), Duration.ofSeconds(30)).join()).isEqualTo(20L);
    }

    @Test
    void statusReplyValues() {
        assertThat(StatusReply.success(5).getOrThrow()).isEqualTo(5);
        assertThat(StatusReply.success(5).isSuccess()).isTrue();
        StatusReply<Integer> error = StatusReply.error("no");
        assertThat(error.isSuccess()).isFalse();
        assertThatThrownBy(error::getOrThrow).isInstanceOf(StatusReplyException.class).hasMessage("no");
        IllegalStateException cause = new IllegalStateException("broken");
        assertThatThrownBy(StatusReply.<Integer>error(cause)::getOrThrow)
                .isInstanceOf(StatusReplyException.class).hasMessage("broken").hasCause(cause);
    }

    @Test
    void aStageFailureReachesTheMapperUnwrapped() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        ActorRef<Object> ref = system.spawnActor("stage", () -> (ctx, msg) -> {
            if (msg.equals("go")) {
                CompletableFuture<Integer> failed = CompletableFuture.supplyAsync(() -> {
                    throw new IllegalArgumentException("bad input");
                });
                ctx.pipeToSelf(failed.thenApply(v -> v + 1), (v, e) -> e);
            } else if (msg instanceof Throwable t) {
                seen.set(t);
                done.countDown();
            }
        });
        ref.tell("go");
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get()).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input");
    }
}
