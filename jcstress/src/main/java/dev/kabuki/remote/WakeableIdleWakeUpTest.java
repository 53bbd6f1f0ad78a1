package dev.kabuki.remote;

import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link WakeableIdleStrategy}'s wake-up protocol as a Dekker pair: the owner announces its park
 * and re-checks for work; a producer queues work and checks for an announced park. The owner
 * must not park without seeing the work while the producer skips the wake.
 *
 * <p>r1: the owner would park (saw no work); r2: the producer saw the park announced (wakes it).
 */
@JCStressTest
@Outcome(id = "true, false", expect = FORBIDDEN, desc = "lost wake-up: the owner parks without the work, unwoken")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the owner sees the work; the wake is spare")
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "the owner parks and the producer wakes it")
@Outcome(id = "false, false", expect = ACCEPTABLE_INTERESTING, desc = "the work came before the announcement")
@State
public class WakeableIdleWakeUpTest {
    private final AtomicBoolean work = new AtomicBoolean();
    private final WakeableIdleStrategy idle = new WakeableIdleStrategy(work::get);

    @Actor
    public void owner(ZZ_Result r) {
        r.r1 = idle.announcePark();
    }

    @Actor
    public void producer(ZZ_Result r) {
        work.set(true);
        r.r2 = idle.parkAnnounced();
    }
}
