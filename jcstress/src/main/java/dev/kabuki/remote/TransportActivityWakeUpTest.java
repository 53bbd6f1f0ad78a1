package dev.kabuki.remote;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * {@link TransportActivity} wired to a poller's {@link WakeableIdleStrategy}, as the remote agent
 * wires it: the poller, having polled and found nothing, announces its park and compares the
 * activity count with the one it read before polling; the engine thread counts its work and
 * calls the listener, which checks for an announced park. The poller must not park without
 * seeing the count change while the engine skips the wake.
 *
 * <p>r1: the poller would park (count unchanged); r2: the engine saw the park announced.
 */
@JCStressTest
@Outcome(id = "true, false", expect = FORBIDDEN, desc = "lost wake-up: the poller parks past the engine's work, unwoken")
@Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the poller sees the work; the wake is spare")
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "the poller parks and the engine wakes it")
@Outcome(id = "false, false", expect = ACCEPTABLE_INTERESTING, desc = "the work came before the announcement")
@State
public class TransportActivityWakeUpTest {
    private final TransportActivity activity = new TransportActivity();
    /** The count the poller read before its poll (the state starts with none counted). */
    private final long seen = activity.count();
    private final WakeableIdleStrategy idle = new WakeableIdleStrategy(() -> activity.count() != seen);
    private boolean engineSawPark;

    public TransportActivityWakeUpTest() {
        activity.listen(() -> engineSawPark = idle.parkAnnounced());
    }

    @Actor
    public void poller(ZZ_Result r) {
        r.r1 = idle.announcePark();
    }

    @Actor
    public void engine(ZZ_Result r) {
        activity.worked();
        r.r2 = engineSawPark;
    }
}
