package dev.kabuki.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.StatusReply;
import dev.kabuki.examples.BankDemo.Account;
import dev.kabuki.examples.BankDemo.AccountMsg;
import dev.kabuki.examples.BankDemo.Deposit;
import dev.kabuki.examples.BankDemo.GetBalance;
import dev.kabuki.examples.BankDemo.Transfer;
import dev.kabuki.examples.BankDemo.TransferCoordinator;
import dev.kabuki.examples.BankDemo.TransferMsg;
import dev.kabuki.examples.BankDemo.Withdraw;
import dev.kabuki.testkit.ActorTestKit;
import dev.kabuki.testkit.ActorTestKitExtension;
import dev.kabuki.testkit.TestProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The accounts and the transfer coordinator of {@link BankDemo}: first with real accounts, then
 * with probes standing in for them, so the test plays each account's part (and its silence).
 */
@ExtendWith(ActorTestKitExtension.class)
class BankDemoTest {

    @Test
    void transfersMoveMoneyAndAnOverdraftIsRefused(ActorTestKit kit) {
        ActorRef<AccountMsg> alice = kit.spawn("alice", () -> new Account(100));
        ActorRef<AccountMsg> bob = kit.spawn("bob", () -> new Account(0));
        ActorRef<TransferMsg> bank = kit.spawn("bank", () -> new TransferCoordinator(alice, bob));
        TestProbe<String> outcomes = kit.createProbe();
        // One at a time, as the demo does: transfers sent together interleave (the coordinator
        // handles each answer as it comes), so the refusal, one round trip shorter, would come first.
        bank.tell(new Transfer(30, outcomes.ref()));
        outcomes.expectMessage("transfer of 30 done (1 so far)");
        bank.tell(new Transfer(50, outcomes.ref()));
        outcomes.expectMessage("transfer of 50 done (2 so far)");
        bank.tell(new Transfer(40, outcomes.ref()));
        outcomes.expectMessage("transfer of 40 refused: alice has insufficient funds: balance 20, asked 40");

        TestProbe<Long> balances = kit.createProbe();
        alice.tell(new GetBalance(balances.ref()));
        bob.tell(new GetBalance(balances.ref()));
        assertThat(balances.receiveMessages(2)).containsExactly(20L, 80L);
    }

    @Test
    void theCoordinatorWithdrawsThenDeposits(ActorTestKit kit) {
        TestProbe<AccountMsg> from = kit.createProbe("from");
        TestProbe<AccountMsg> to = kit.createProbe("to");
        ActorRef<TransferMsg> bank = kit.spawn("bank", () -> new TransferCoordinator(from.ref(), to.ref()));
        TestProbe<String> outcome = kit.createProbe();

        bank.tell(new Transfer(25, outcome.ref()));
        Withdraw withdraw = from.expectMessageClass(Withdraw.class);
        assertThat(withdraw.amount()).isEqualTo(25);
        to.expectNoMessage();                           // nothing deposited before the withdrawal
        withdraw.replyTo().tell(StatusReply.success(75L));

        Deposit deposit = to.expectMessageClass(Deposit.class);
        assertThat(deposit.amount()).isEqualTo(25);
        deposit.replyTo().tell(StatusReply.success(25L));
        outcome.expectMessage("transfer of 25 done (1 so far)");
    }

    @Test
    void aSilentAccountMakesTheTransferFailAfterTheAskTimeout(ActorTestKit kit) {
        TestProbe<AccountMsg> from = kit.createProbe("from");
        TestProbe<AccountMsg> to = kit.createProbe("to");
        ActorRef<TransferMsg> bank = kit.spawn("bank", () -> new TransferCoordinator(from.ref(), to.ref()));
        TestProbe<String> outcome = kit.createProbe();

        bank.tell(new Transfer(10, outcome.ref()));
        from.expectMessageClass(Withdraw.class);        // and never answered
        outcome.expectNoMessage(Duration.ofMillis(999));
        kit.advance(Duration.ofMillis(1));              // the coordinator's 1 s ask timeout
        assertThat(outcome.expectMessage())
                .startsWith("transfer of 10 refused: ask to /user/from with Withdraw (timeout 1000 ms) timed out");
        to.expectNoMessage();
    }
}
