package dev.kabuki.remote;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Reliable, ordered delivery of system messages (watch, unwatch, terminated) between two
 * incarnations of two nodes, over a transport that may lose, repeat or reorder frames: sequence
 * numbers, cumulative acknowledgements, and redelivery of everything unacknowledged. The two
 * roles are {@link Sender} and {@link Receiver}; each association holds one of each per peer
 * incarnation and drops both when the incarnation ends (a new one starts again at 1).
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>The sender numbers messages 1, 2, 3, … and keeps each until it is acknowledged, at most
 *       {@code capacity} of them: a peer that falls that far behind is quarantined by the caller
 *       (system messages must not be dropped, and memory must stay bounded).</li>
 *   <li>The receiver delivers message {@code n} only when it expects {@code n} (everything before
 *       it was delivered), and answers ACK(n). A repeat of an earlier message is answered with
 *       ACK of the last one delivered; a message after a gap with NACK of the last one delivered
 *       (nothing is buffered: the sender resends the gap and what follows, in order).</li>
 *   <li>ACK(n) and NACK(n) both acknowledge everything up to {@code n}; a NACK also asks for the
 *       resend now rather than at the next resend tick.</li>
 *   <li>Every {@code resendInterval} while anything is unacknowledged, the sender sends all of it
 *       again, oldest first. If the oldest has waited {@code giveUpAfter}, the caller
 *       quarantines the peer.</li>
 * </ul>
 * Not thread-safe: both roles belong to the remote transport's thread. Times are nanoseconds of
 * the injected clock.
 */
final class SystemMessageDelivery {
    private SystemMessageDelivery() {
    }

    /** A message with its sequence number, as the sender keeps and (re)sends it. */
    record Numbered<M>(long seq, M message, long firstSentNanos) {
    }

    /** The sending role. */
    static final class Sender<M> {
        private final int capacity;
        private final long resendIntervalNanos;
        private final long giveUpNanos;
        private final ArrayDeque<Numbered<M>> unacked = new ArrayDeque<>();
        private long nextSeq = 1;
        private long lastResend;
        private boolean resendNow;

        Sender(int capacity, Duration resendInterval, Duration giveUpAfter) {
            if (capacity < 1) {
                throw new IllegalArgumentException("system message buffer must hold at least 1, got " + capacity);
            }
            this.capacity = capacity;
            this.resendIntervalNanos = resendInterval.toNanos();
            this.giveUpNanos = giveUpAfter.toNanos();
        }

        /**
         * Numbers {@code message} and keeps it until acknowledged; the caller sends what this
         * returns. Null if {@code capacity} messages already wait for an acknowledgement: the
         * peer is too far behind, and the caller must quarantine it.
         */
        Numbered<M> send(M message, long nowNanos) {
            if (unacked.size() >= capacity) {
                return null;
            }
            if (unacked.isEmpty()) {
                lastResend = nowNanos; // the resend clock starts with the oldest unacknowledged message
            }
            Numbered<M> n = new Numbered<>(nextSeq++, message, nowNanos);
            unacked.addLast(n);
            return n;
        }

        /** ACK(n): everything up to {@code n} has arrived. A number never sent is ignored. */
        void ack(long n) {
            if (n >= nextSeq) {
                return; // from a confused or foreign peer: acknowledging what was never sent
            }
            while (!unacked.isEmpty() && unacked.peekFirst().seq() <= n) {
                unacked.pollFirst();
            }
        }

        /** NACK(n): everything up to {@code n} has arrived, the next did not: resend now. */
        void nack(long n) {
            ack(n);
            resendNow = !unacked.isEmpty();
        }

        /**
         * What to send again now, oldest first: everything unacknowledged, once per
         * {@code resendInterval} or at once after a NACK; else an empty list.
         */
        List<Numbered<M>> resendDue(long nowNanos) {
            if (unacked.isEmpty() || (!resendNow && nowNanos - lastResend < resendIntervalNanos)) {
                return List.of();
            }
            resendNow = false;
            lastResend = nowNanos;
            return new ArrayList<>(unacked);
        }

        /** Whether the oldest unacknowledged message has waited {@code giveUpAfter}: quarantine. */
        boolean givenUp(long nowNanos) {
            Numbered<M> oldest = unacked.peekFirst();
            return oldest != null && nowNanos - oldest.firstSentNanos() >= giveUpNanos;
        }

        /** Messages waiting for an acknowledgement. */
        int unacknowledged() {
            return unacked.size();
        }
    }

    /** What the receiver does with an arriving message, and what it answers. */
    enum Verdict {
        /** The expected message: deliver it, answer ACK of it. */
        DELIVER,
        /** Delivered before: drop it, answer ACK of the last delivered. */
        DUPLICATE,
        /** A message was lost before it: drop it, answer NACK of the last delivered. */
        GAP
    }

    /** The receiving role. */
    static final class Receiver {
        private long delivered;

        /** Judges message {@code seq}; on {@link Verdict#DELIVER} it counts as delivered. */
        Verdict receive(long seq) {
            if (seq == delivered + 1) {
                delivered = seq;
                return Verdict.DELIVER;
            }
            return seq <= delivered ? Verdict.DUPLICATE : Verdict.GAP;
        }

        /** The number to put in the ACK or NACK answering the last {@link #receive}. */
        long lastDelivered() {
            return delivered;
        }
    }
}
