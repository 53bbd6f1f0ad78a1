package dev.kabuki.testkit;

import dev.kabuki.actors.Actor;
import dev.kabuki.actors.ActorContext;
import dev.kabuki.actors.ActorFactory;
import dev.kabuki.actors.ActorRef;
import dev.kabuki.actors.Blocking;
import java.util.function.Consumer;

/**
 * Wraps an actor spawned through {@link ActorTestKit#spawn}: each lifecycle hook is passed to
 * the actor unchanged, and an exception it throws is recorded and rethrown, so supervision sees
 * exactly what it would see without the wrapper. The runtime reports failures in {@code receive}
 * through dead letters (which the kit reads for every actor, children included), but failures
 * in the hooks only in its log: this wrapper is how the kit sees those, for the actors it
 * spawned itself. {@code receive} is not recorded here, so that no failure is counted twice.
 *
 * <p>The runtime reads {@link Blocking} from the class of the instance a factory returns, so an
 * actor tagged {@code Blocking} is wrapped in {@link Blocking}-tagged subclass.
 */
class FailureRecordingActor<M> implements Actor<M> {
    private final Actor<M> actor;
    private final Consumer<ActorFailure> record;

    FailureRecordingActor(Actor<M> actor, Consumer<ActorFailure> record) {
        this.actor = actor;
        this.record = record;
    }

    /** A factory whose every instance (the first and each restart's) is wrapped. */
    static <M> ActorFactory<M> wrap(ActorFactory<M> factory, Consumer<ActorFailure> record) {
        return ctx -> {
            Actor<M> actor = factory.create(ctx);
            if (actor == null) {
                return null; // the runtime's own check names the problem
            }
            return actor.getClass().isAnnotationPresent(Blocking.class)
                    ? new BlockingActor<>(actor, record)
                    : new FailureRecordingActor<>(actor, record);
        };
    }

    /** The same wrapper, tagged {@link Blocking}: the actor keeps running on the blocking pool. */
    @Blocking
    static final class BlockingActor<M> extends FailureRecordingActor<M> {
        BlockingActor(Actor<M> actor, Consumer<ActorFailure> record) {
            super(actor, record);
        }
    }

    @Override
    public void receive(ActorContext<M> ctx, M message) throws Exception {
        actor.receive(ctx, message);
    }

    @Override
    public void onStart(ActorContext<M> ctx) throws Exception {
        try {
            actor.onStart(ctx);
        } catch (Throwable t) {
            throw recorded(ctx, "onStart", t);
        }
    }

    @Override
    public void onRestart(ActorContext<M> ctx, Throwable cause) throws Exception {
        try {
            actor.onRestart(ctx, cause);
        } catch (Throwable t) {
            throw recorded(ctx, "onRestart", t);
        }
    }

    @Override
    public void onTerminated(ActorContext<M> ctx, ActorRef<?> watched) throws Exception {
        try {
            actor.onTerminated(ctx, watched);
        } catch (Throwable t) {
            throw recorded(ctx, "onTerminated", t);
        }
    }

    @Override
    public void onChildRestarted(ActorContext<M> ctx, ActorRef<?> child, Throwable cause) throws Exception {
        try {
            actor.onChildRestarted(ctx, child, cause);
        } catch (Throwable t) {
            throw recorded(ctx, "onChildRestarted", t);
        }
    }

    @Override
    public void onStop(ActorContext<M> ctx) throws Exception {
        try {
            actor.onStop(ctx);
        } catch (Throwable t) {
            throw recorded(ctx, "onStop", t);
        }
    }

    /** Records {@code t} and hands it back to be rethrown as it was (checked or not). */
    private Exception recorded(ActorContext<M> ctx, String during, Throwable t) {
        record.accept(new ActorFailure(ctx.self().path(), during, null, describe(t)));
        return FailureRecordingActor.<RuntimeException>sneaky(t);
    }

    /** Rethrows any throwable unchanged, without wrapping a checked one or an Error. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** {@code t.toString()}, or its class name if that throws: recording must not fail. */
    static String describe(Throwable t) {
        try {
            return t.toString();
        } catch (Throwable broken) {
            return t.getClass().getName() + " (its toString() threw " + broken.getClass().getName() + ")";
        }
    }

    @Override
    public String toString() {
        return actor.toString();
    }
}
