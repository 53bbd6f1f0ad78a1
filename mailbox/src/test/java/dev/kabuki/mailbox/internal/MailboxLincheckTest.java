package dev.kabuki.mailbox.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The idle-race handshake under Lincheck's model checker: every interleaving of two or three
 * senders' shared-memory accesses (queue tail CAS, link, status CAS) is explored, and a
 * scheduled mailbox is consumed inline by the sender that won the token (a dispatcher that runs
 * the task at once). Threads are {@link Thread} subclasses overriding {@code run()}: on JDK 25
 * Lincheck 3.7 does not analyse {@code new Thread(runnable)} (see the scheduler module's
 * {@code LincheckScenario}).
 */
class MailboxLincheckTest {

    /** One mailbox and a consumer that runs on whichever thread takes the token. */
    static final class Box {
        final ManyToOneMessageQueue<Integer> queue = new ManyToOneMessageQueue<>();
        final MailboxStatus status = new MailboxStatus();
        final AtomicInteger inRun = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicInteger[] handled = {new AtomicInteger(), new AtomicInteger(),
                new AtomicInteger()};

        void send(int id) {
            queue.offer(id);
            while (status.trySchedule()) {       // won: consume here; loop = re-schedule
                if (inRun.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                for (Integer m; (m = queue.poll()) != null; ) {
                    handled[m].incrementAndGet();
                }
                inRun.decrementAndGet();
                status.setIdle();
                if (queue.isEmpty()) {
                    return;
                }
            }
        }
    }

    static final class Sender extends Thread {
        private final Box box;
        private final int id;

        Sender(Box box, int id) {
            this.box = box;
            this.id = id;
        }

        @Override
        public void run() {
            box.send(id);
        }
    }

    // Fails if any interleaving strands a message (a sender loses the CAS while the consumer,
    // having polled null, goes idle without seeing the append), delivers one twice, or lets two
    // threads consume at once. Checked: swapping setIdle and the re-check makes it fail.
    @Test
    void noInterleavingLosesOrDuplicatesAMessageOnIdleRace() {
        Lincheck.runConcurrentTest(3_000, () -> {
            Box box = new Box();
            Thread a = new Sender(box, 0);
            Thread b = new Sender(box, 1);
            Thread c = new Sender(box, 2);
            a.start();
            b.start();
            c.start();
            try {
                a.join();
                b.join();
                c.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            // plain checks: AssertJ objects inside a model-checked scenario trip Lincheck
            check(box.overlaps.get() == 0, "two threads consumed at once");
            for (int i = 0; i < box.handled.length; i++) {
                check(box.handled[i].get() == 1,
                        "message " + i + " handled " + box.handled[i].get() + " times");
            }
            check(!box.status.isScheduled(), "token left taken");
        });
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
