package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The engine-to-poller wake-up under contention: a poller that parks for an hour when idle
 * (so a lost wake-up stalls it past the deadline) must see every item an engine thread publishes
 * before reporting its work, exactly once and in order.
 */
class TransportActivityTest {
    private static final int ITEMS = 200_000;

    @Test
    void aPollerThatParksLongSeesEveryItemTheEngineReports() throws Exception {
        TransportActivity activity = new TransportActivity();
        AtomicLong published = new AtomicLong(); // the "log": items 1..published are readable
        long[] seenCount = new long[1];
        WakeableIdleStrategy idle = new WakeableIdleStrategy(() -> activity.count() != seenCount[0], null,
                TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.HOURS.toNanos(1));
        activity.listen(idle::wake);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread poller = new Thread(() -> {
            try {
                long read = 0;
                while (read < ITEMS) {
                    seenCount[0] = activity.count();
                    long available = published.get();
                    int work = 0;
                    while (read < available) {
                        read++;
                        work++;
                    }
                    idle.idle(work);
                }
                assertThat(read).isEqualTo(ITEMS);
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.countDown();
            }
        }, "poller");
        poller.setDaemon(true);
        poller.start();
        Thread engine = new Thread(() -> {
            for (int i = 1; i <= ITEMS; i++) {
                published.set(i);
                activity.worked();
                if ((i & 63) == 0) {
                    Thread.yield(); // let the poller reach its park now and then
                }
            }
        }, "engine");
        engine.start();
        engine.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(done.await(60, TimeUnit.SECONDS)).as("the poller read every item (no lost wake-up)").isTrue();
        assertThat(failure.get()).isNull();
        assertThat(activity.count()).isEqualTo(ITEMS);
    }
}
