package dev.kabuki.mailbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MailboxStatusTest {

    // Fails if a transition is missing or allows a forbidden move (closed scheduling again,
    // setIdle without the token, close clearing the token).
    @Test
    void transitions() {
        MailboxStatus s = new MailboxStatus();
        assertThat(s.state()).isEqualTo(MailboxStatus.State.IDLE);
        assertThatThrownBy(s::setIdle).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without holding the token");
        assertThat(s.tryClaimDrain()).isFalse();            // open: no drain
        assertThat(s.trySchedule()).isTrue();
        assertThat(s.trySchedule()).isFalse();
        assertThat(s.isScheduled()).isTrue();
        assertThat(s.setIdle()).isTrue();                   // open
        assertThat(s.trySchedule()).isTrue();
        assertThat(s.close()).isEqualTo(MailboxStatus.State.SCHEDULED);
        assertThat(s.state()).isEqualTo(MailboxStatus.State.CLOSED_SCHEDULED);
        assertThat(s.close()).isEqualTo(MailboxStatus.State.CLOSED_SCHEDULED);  // already
        assertThat(s.tryClaimDrain()).isFalse();            // token still held
        assertThat(s.setIdle()).isFalse();                  // closed
        assertThat(s.state()).isEqualTo(MailboxStatus.State.CLOSED);
        assertThat(s.trySchedule()).isFalse();              // never again
        assertThat(s.tryClaimDrain()).isTrue();
        assertThat(s.tryClaimDrain()).isFalse();
        assertThat(s.setIdle()).isFalse();
        assertThat(s.isClosed()).isTrue();

        MailboxStatus idle = new MailboxStatus();
        assertThat(idle.close()).isEqualTo(MailboxStatus.State.IDLE);
        assertThat(idle.state()).isEqualTo(MailboxStatus.State.CLOSED);
    }

    // Fails if trySchedule is check-then-act instead of one CAS: more than one of many racing
    // senders would win the token in a round.
    @Test
    void exactlyOneOfManyRacingSendersWinsEachRound() throws Exception {
        int threads = 8;
        int rounds = 20_000;
        MailboxStatus[] statuses = new MailboxStatus[rounds];
        for (int i = 0; i < rounds; i++) {
            statuses[i] = new MailboxStatus();
        }
        AtomicInteger[] wins = new AtomicInteger[rounds];
        for (int i = 0; i < rounds; i++) {
            wins[i] = new AtomicInteger();
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                ManyToOneMessageQueueTest.await(start);
                for (int i = 0; i < rounds; i++) {
                    if (statuses[i].trySchedule()) {
                        wins[i].incrementAndGet();
                    }
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        for (int i = 0; i < rounds; i++) {
            assertThat(wins[i].get()).as("round %d", i).isEqualTo(1);
        }
    }
}
