package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kabuki.remote.SystemMessageDelivery.Numbered;
import dev.kabuki.remote.SystemMessageDelivery.Receiver;
import dev.kabuki.remote.SystemMessageDelivery.Sender;
import dev.kabuki.remote.SystemMessageDelivery.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SystemMessageDeliveryTest {
    private static final long MS = 1_000_000L;

    /** A frame in flight on the simulated network: arrives at {@code at}. */
    private record InFlight(long at, long order, boolean toReceiver, long seq, boolean nack) {}

    @Test
    void everyMessageIsDeliveredOnceAndInOrderOverALossyRepeatingReorderingNetwork() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            Sender<Integer> sender = new Sender<>(20_000, Duration.ofSeconds(1), Duration.ofMinutes(2));
            Receiver receiver = new Receiver();
            List<Integer> delivered = new ArrayList<>();
            PriorityQueue<InFlight> network = new PriorityQueue<>((a, b) -> a.at != b.at
                    ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
            long[] order = {0};
            long now = 0;
            int sent = 0;
            final int total = 1_000;
            for (int step = 0; step < 200_000 && (delivered.size() < total || sender.unacknowledged() > 0); step++) {
                now += random.nextInt(1, 5) * MS;
                if (sent < total && random.nextInt(3) == 0) {
                    Numbered<Integer> n = sender.send(sent++, now);
                    transmit(network, random, order, now, true, n.seq(), false);
                }
                for (Numbered<Integer> n : sender.resendDue(now)) {
                    transmit(network, random, order, now, true, n.seq(), false);
                }
                while (!network.isEmpty() && network.peek().at <= now) {
                    InFlight f = network.poll();
                    if (f.toReceiver) {
                        Verdict v = receiver.receive(f.seq);
                        if (v == Verdict.DELIVER) {
                            delivered.add((int) f.seq - 1); // message i has seq i + 1
                        }
                        transmit(network, random, order, now, false, receiver.lastDelivered(), v == Verdict.GAP);
                    } else if (f.nack) {
                        sender.nack(f.seq);
                    } else {
                        sender.ack(f.seq);
                    }
                }
                assertThat(sender.givenUp(now)).as("seed %s", seed).isFalse();
            }
            assertThat(delivered).as("seed %s", seed).hasSize(total);
            for (int i = 0; i < total; i++) {
                assertThat(delivered.get(i)).as("seed %s, position %s", seed, i).isEqualTo(i);
            }
            assertThat(sender.unacknowledged()).isZero();
        }
    }

    /** Loses 20%, repeats 10%, delays 1 to 50 ms (so frames overtake each other). */
    private static void transmit(PriorityQueue<InFlight> network, SplittableRandom random, long[] order, long now,
                                 boolean toReceiver, long seq, boolean nack) {
        if (random.nextInt(5) == 0) {
            return;
        }
        int copies = random.nextInt(10) == 0 ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            network.add(new InFlight(now + random.nextInt(1, 51) * MS, order[0]++, toReceiver, seq, nack));
        }
    }

    @Test
    void aPeerTooFarBehindOrSilentTooLongIsReportedForQuarantine() {
        Sender<String> sender = new Sender<>(3, Duration.ofSeconds(1), Duration.ofSeconds(10));
        assertThat(sender.send("a", 0)).isNotNull();
        assertThat(sender.send("b", 0)).isNotNull();
        assertThat(sender.send("c", 0)).isNotNull();
        assertThat(sender.send("d", 0)).as("buffer full").isNull();
        assertThat(sender.givenUp(9_999 * MS)).isFalse();
        assertThat(sender.givenUp(10_000 * MS)).isTrue();
        sender.ack(1);
        assertThat(sender.send("d", 10_000 * MS)).extracting(Numbered::seq).isEqualTo(4L);
    }

    @Test
    void resendsComeOncePerIntervalOrAtOnceAfterANackAndAcksOfUnsentNumbersAreIgnored() {
        Sender<String> sender = new Sender<>(10, Duration.ofSeconds(1), Duration.ofMinutes(2));
        sender.send("a", 0);
        sender.send("b", 0);
        assertThat(sender.resendDue(999 * MS)).isEmpty();
        assertThat(sender.resendDue(1000 * MS)).extracting(Numbered::seq).containsExactly(1L, 2L);
        assertThat(sender.resendDue(1500 * MS)).isEmpty();
        sender.nack(1);
        assertThat(sender.resendDue(1501 * MS)).extracting(Numbered::seq).containsExactly(2L);
        sender.ack(99); // never sent: ignored
        assertThat(sender.unacknowledged()).isEqualTo(1);
        sender.ack(2);
        assertThat(sender.unacknowledged()).isZero();
        assertThat(sender.resendDue(60_000 * MS)).isEmpty();
    }

    @Test
    void theReceiverJudgesDuplicatesAndGaps() {
        Receiver r = new Receiver();
        assertThat(r.receive(2)).isEqualTo(Verdict.GAP);
        assertThat(r.lastDelivered()).isZero();
        assertThat(r.receive(1)).isEqualTo(Verdict.DELIVER);
        assertThat(r.receive(1)).isEqualTo(Verdict.DUPLICATE);
        assertThat(r.receive(2)).isEqualTo(Verdict.DELIVER);
        assertThat(r.lastDelivered()).isEqualTo(2);
    }
}
