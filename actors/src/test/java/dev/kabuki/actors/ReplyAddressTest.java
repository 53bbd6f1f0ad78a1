package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every ActorRef method of a reply address and of the ignore ref has a meaning. */
class ReplyAddressTest {
    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("reply").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    sealed interface ShopMsg {}

    record Quote(String item, ActorRef<Offer> replyTo) implements ShopMsg {}

    record Offer(int price, ActorRef<String> answer) {}

    record Done(JoinHandle<String> decision) implements ShopMsg {}

    @Test
    void askingAReplyAddressRepliesWithTheBuiltMessageAndWaitsForTheAnswer() {
        JoinHandle<String>[] decision = new JoinHandle[1];
        ActorRef<ShopMsg> shop = system.spawnActor("shop", () -> (ctx, msg) -> {
            if (msg instanceof Quote q) {
                decision[0] = q.replyTo().ask(answer -> new Offer(42, answer), Duration.ofSeconds(30));
            }
        });
        Offer offer = shop.<Offer>ask(r -> new Quote("tea", r), Duration.ofSeconds(30)).join();
        assertThat(offer.price()).isEqualTo(42);
        assertThat(offer.answer().path()).isEqualTo("/user/shop/$ask/$ask");
        assertThat(offer.answer().tryTell("yes")).isTrue();
        assertThat(offer.answer().tryTell("no")).isFalse(); // one answer only: a dead letter
        ActorSystemTest.await("decision", () -> decision[0] != null && decision[0].isFinished());
        assertThat(decision[0].join()).isEqualTo("yes");
    }

    @Test
    void askingAReplyAddressThatAlreadyTookItsReplyFailsAtOnce() {
        JoinHandle<String>[] second = new JoinHandle[1];
        ActorRef<ShopMsg> shop = system.spawnActor("shop2", () -> (ctx, msg) -> {
            if (msg instanceof Quote q) {
                q.replyTo().tell(new Offer(1, system.ignoreRef()));
                second[0] = q.replyTo().ask(answer -> new Offer(2, answer), Duration.ofSeconds(30));
            }
        });
        shop.<Offer>ask(r -> new Quote("tea", r), Duration.ofSeconds(30)).join();
        ActorSystemTest.await("second ask", () -> second[0] != null && second[0].isFinished());
        assertThatThrownBy(second[0]::join).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("already took its one reply");
    }

    @Test
    void theIgnoreRefDropsWithoutDeadLettersAndItsAsksTimeOut() {
        long dead = system.deadLetters().count();
        ActorRef<String> ignore = system.ignoreRef();
        ignore.tell("dropped");
        assertThat(ignore.tryTell("dropped too")).isTrue();
        assertThat(ignore.mailboxDepth()).isZero();
        assertThat(ignore.path()).isEqualTo("/ignore");
        assertThat(system.deadLetters().count()).isEqualTo(dead);
        JoinHandle<Integer> never = ignore.ask(r -> "question", Duration.ofMillis(20));
        assertThatThrownBy(never::join).isInstanceOf(TaskTimeoutException.class);
        assertThatThrownBy(() -> ignore.ask(r -> "q", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
