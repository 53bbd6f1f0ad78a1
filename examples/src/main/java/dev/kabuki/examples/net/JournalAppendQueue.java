package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The hand-off from the shards to the journal actor: shards append entries, the journal takes
 * them in batches. It is a queue beside the journal's mailbox, not the mailbox itself, because
 * a stopping actor drops its unprocessed messages, and the journal's last act ({@code onStop},
 * after its child shards have stopped) must still write every entry they appended.
 *
 * <h2>Who writes what</h2>
 * Any shard offers to {@code entries} and may set {@code wakeSent}; only the journal actor
 * polls {@code entries} and clears {@code wakeSent}. {@code failure} is set once, by the journal.
 *
 * <h2>Invariant: no entry is stranded</h2>
 * A producer offers, then tries to set {@code wakeSent} from false to true and, if it wins,
 * tells the journal {@link JournalMsg.Drain}. The journal clears {@code wakeSent}, then polls
 * until the queue is empty. Both are sequentially consistent accesses, so for any entry either
 * its producer's set succeeds after the journal's clear (and a Drain follows), or the journal's
 * polls, which come after its clear, see the entry. At most one Drain is in the mailbox per
 * batch, not one per write.
 */
final class JournalAppendQueue {
    private final ConcurrentLinkedQueue<JournalEntry> entries = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeSent = new AtomicBoolean();
    private volatile Throwable failure;

    /** Shard: hands over an entry and wakes the journal if nobody has yet. */
    void append(JournalEntry entry, ActorRef<JournalMsg> journal) {
        entries.offer(entry);
        if (wakeSent.compareAndSet(false, true)) {
            journal.tell(JournalMsg.Drain.INSTANCE);
        }
    }

    /** Journal: re-arms the wake-up; call before {@link #drainTo}. */
    void beginDrain() {
        wakeSent.set(false);
    }

    /** Journal: moves up to {@code max} entries to {@code out}; how many. */
    int drainTo(List<JournalEntry> out, int max) {
        int n = 0;
        JournalEntry e;
        while (n < max && (e = entries.poll()) != null) {
            out.add(e);
            n++;
        }
        return n;
    }

    /** The journal's I/O failure, after which writes are refused; {@code null} while healthy. */
    Throwable failure() {
        return failure;
    }

    void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
    }
}
