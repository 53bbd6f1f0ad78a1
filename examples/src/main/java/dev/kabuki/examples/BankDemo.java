package dev.kabuki.examples;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.StatusReply;
import java.time.Duration;
import java.util.List;

/**
 * Asking from inside an actor, and business errors without exceptions: two accounts and a
 * transfer coordinator that asks one account to withdraw and, once that succeeded, the other to
 * deposit, with {@code ctx.askWithStatus}: each answer comes back to the coordinator as one of
 * its own messages, handled one at a time. An account turns an overdraft down with
 * {@link StatusReply#error}: the transfer is refused with the account's message, nothing is
 * logged at ERROR, nothing restarts. Run with {@code -Dexample=dev.kabuki.examples.BankDemo}.
 */
public final class BankDemo {

    sealed interface AccountMsg permits Withdraw, Deposit, GetBalance {}

    record Withdraw(long amount, ActorRef<StatusReply<Long>> replyTo) implements AccountMsg {}

    record Deposit(long amount, ActorRef<StatusReply<Long>> replyTo) implements AccountMsg {}

    record GetBalance(ActorRef<Long> replyTo) implements AccountMsg {}

    /** One account; refuses an overdraft with a status reply. */
    static final class Account implements Actor<AccountMsg> {
        private long balance;

        Account(long opening) {
            this.balance = opening;
        }

        @Override
        public void receive(ActorContext<AccountMsg> ctx, AccountMsg msg) {
            switch (msg) {
                case Withdraw w when w.amount() > balance -> w.replyTo().tell(StatusReply.error(
                        ctx.self().name() + " has insufficient funds: balance " + balance + ", asked " + w.amount()));
                case Withdraw w -> {
                    balance -= w.amount();
                    w.replyTo().tell(StatusReply.success(balance));
                }
                case Deposit d -> {
                    balance += d.amount();
                    d.replyTo().tell(StatusReply.success(balance));
                }
                case GetBalance g -> g.replyTo().tell(balance);
            }
        }
    }

    sealed interface TransferMsg permits Transfer, Withdrawn, Deposited {}

    record Transfer(long amount, ActorRef<String> replyTo) implements TransferMsg {}

    record Withdrawn(Transfer transfer, Throwable failure) implements TransferMsg {}

    record Deposited(Transfer transfer, Throwable failure) implements TransferMsg {}

    /** Moves money from one account to the other: withdraw, then deposit. */
    static final class TransferCoordinator implements Actor<TransferMsg> {
        private final ActorRef<AccountMsg> from;
        private final ActorRef<AccountMsg> to;
        private int done;

        TransferCoordinator(ActorRef<AccountMsg> from, ActorRef<AccountMsg> to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void receive(ActorContext<TransferMsg> ctx, TransferMsg msg) {
            switch (msg) {
                case Transfer t -> ctx.askWithStatus(from, r -> new Withdraw(t.amount(), r), Duration.ofSeconds(1),
                        (Long balance, Throwable failure) -> new Withdrawn(t, failure));
                case Withdrawn w when w.failure() != null ->
                        w.transfer().replyTo().tell("transfer of " + w.transfer().amount() + " refused: "
                                + w.failure().getMessage());
                case Withdrawn w -> ctx.askWithStatus(to, r -> new Deposit(w.transfer().amount(), r),
                        Duration.ofSeconds(1), (Long balance, Throwable failure) -> new Deposited(w.transfer(), failure));
                case Deposited d -> {
                    done++; // actor state, touched only here: the answers arrive as messages
                    d.transfer().replyTo().tell(d.failure() == null
                            ? "transfer of " + d.transfer().amount() + " done (" + done + " so far)"
                            : "transfer of " + d.transfer().amount() + " failed: " + d.failure());
                }
            }
        }
    }

    public static void main(String[] args) {
        try (ActorSystem system = ActorSystem.builder().build()) {
            ActorRef<AccountMsg> alice = system.spawnActor("alice", () -> new Account(100));
            ActorRef<AccountMsg> bob = system.spawnActor("bob", () -> new Account(0));
            ActorRef<TransferMsg> bank = system.spawnActor("bank", () -> new TransferCoordinator(alice, bob));
            for (long amount : List.of(30L, 50L, 40L)) {
                String outcome = bank.<String>ask(r -> new Transfer(amount, r), Duration.ofSeconds(5)).join();
                System.out.println(outcome);
            }
            long a = alice.<Long>ask(GetBalance::new, Duration.ofSeconds(5)).join();
            long b = bob.<Long>ask(GetBalance::new, Duration.ofSeconds(5)).join();
            System.out.println("balances: alice " + a + ", bob " + b + " (dead letters: "
                    + system.deadLetters().count() + ")");
        }
    }
}
