package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.TaskFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where an ask waits at its target (see {@link PendingAsks}): queued, being handled, or handled
 * and left unanswered; in each place the target's stop or failure must reach it at once.
 */
class PendingAsksTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration NEVER = Duration.ofHours(1);

    private final ActorSystem system = ActorSystem.builder().threadNamePrefix("pending").build();

    @AfterEach
    void tearDown() {
        system.close();
    }

    sealed interface Msg {}

    record Req(String text, ActorRef<String> replyTo) implements Msg {}

    record Open() implements Msg {}

    /** Stashes every request until Open, then handles them: "boom" throws, the rest echo. */
    static final class Gate implements Actor<Msg> {
        private boolean open;

        @Override
        public void receive(ActorContext<Msg> ctx, Msg msg) {
            switch (msg) {
                case Open o -> {
                    open = true;
                    ctx.unstashAll();
                }
                case Req r when !open -> ctx.stash(r);
                case Req r when r.text().equals("boom") -> throw new IllegalStateException("boom handled");
                case Req r -> r.replyTo().tell(r.text());
            }
        }
    }

    /** Fails if a stashed ask waits out its hour when its actor stops. */
    @Test
    void aStashedAskFailsAtOnceWhenItsActorStops() {
        ActorRef<Msg> gate = system.spawnActor("gate", Gate::new);
        JoinHandle<String> stashed = gate.ask(r -> new Req("x", r), NEVER);
        ActorSystemTest.await("the request taken from the mailbox", () -> gate.mailboxDepth() == 0);
        system.stop(gate);
        assertThatThrownBy(() -> stashed.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(ActorTerminatedException.class)
                .hasMessage("/user/gate stopped before replying to the ask to /user/gate with Req (timeout 3600000 ms)");
    }

    /** Fails if a stashed ask whose request throws once unstashed does not fail with that exception. */
    @Test
    void aStashedAskWhoseRequestThrowsWhenUnstashedFailsWithTheException() {
        ActorRef<Msg> gate = system.spawnActor("gate", Gate::new);
        JoinHandle<String> boom = gate.ask(r -> new Req("boom", r), NEVER);
        JoinHandle<String> fine = gate.ask(r -> new Req("fine", r), NEVER);
        gate.tell(new Open());
        assertThatThrownBy(() -> boom.join(LONG)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("boom handled");
        // "fine" survives the restart (the default strategy), as stashed messages do; the fresh
        // instance starts closed and stashes it again until the next Open.
        gate.tell(new Open());
        assertThat(fine.join(LONG)).isEqualTo("fine");
    }

    /**
     * Fails if asks still queued when their target stops wait out their hour, or if the dead
     * letters show the runtime's wrapper instead of the request.
     */
    @Test
    void queuedAsksFailAtOnceAndTheirRequestsAreTheDeadLetters() throws Exception {
        List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        ActorRef<Msg> gate = system.spawnActor("gate", Gate::new,
                ActorOptions.defaults().throughput(1));
        try (AutoCloseable sub = system.deadLetters().subscribe(dead::add)) {
            // The stop goes ahead of the mailbox (system messages first), so whatever of the
            // ten the gate has not yet taken is drained, and the rest is stashed: all fail.
            List<JoinHandle<String>> asks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String text = "q" + i;
                asks.add(gate.ask(r -> new Req(text, r), NEVER));
            }
            system.stop(gate);
            for (JoinHandle<String> h : asks) {
                assertThatThrownBy(() -> h.join(LONG)).cause().isInstanceOf(ActorTerminatedException.class);
            }
            ActorSystemTest.await("ten dead letters", () -> dead.size() >= 10);
            assertThat(dead).allSatisfy(d -> assertThat(d.message()).isInstanceOf(Req.class));
            assertThat(dead).extracting(d -> ((Req) d.message()).text())
                    .containsExactlyInAnyOrder("q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9");
        }
    }

    /**
     * Fails if an ask's reply address, sent as an ordinary message to an actor whose messages
     * are reply addresses, is taken for an ask's request on its way.
     */
    @Test
    void aReplyAddressSentAsAMessageArrivesAsItself() {
        // The answerer's messages are reply addresses: it answers each with "answered".
        ActorRef<ActorRef<String>> answerer = system.spawnActor("answerer",
                () -> (ctx, replyTo) -> replyTo.tell("answered"));
        // The forwarder hands each ask's reply address on as the answerer's message.
        ActorRef<Req> forwarder = system.spawnActor("forwarder",
                () -> (ctx, req) -> answerer.tell(req.replyTo()));
        JoinHandle<String> forwarded = forwarder.ask(r -> new Req("x", r), LONG);
        assertThat(forwarded.join(LONG)).isEqualTo("answered");
        // And an ask whose request is its own reply address.
        JoinHandle<String> self = answerer.ask((ActorRef<String> r) -> r, LONG);
        assertThat(self.join(LONG)).isEqualTo("answered");
    }
}
