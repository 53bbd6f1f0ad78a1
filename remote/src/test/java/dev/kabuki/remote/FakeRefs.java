package dev.kabuki.remote;

import dev.kabuki.actors.ActorRef;
import dev.kabuki.scheduler.JoinHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/** Stand-ins for the actors module's refs and the remote layer's ref codec. */
final class FakeRefs {
    static final String NODE = "kabuki://shop@127.0.0.1:25520";

    private FakeRefs() {
    }

    /** A ref the codec resolves every wire string to; equal by path and uid. */
    static final class FakeRef implements ActorRef<Object> {
        final String path;
        final int uid;

        FakeRef(String path, int uid) {
            this.path = path;
            this.uid = uid;
        }

        @Override public void tell(Object message) { throw new UnsupportedOperationException(); }
        @Override public boolean tryTell(Object message) { throw new UnsupportedOperationException(); }
        @Override public <R> JoinHandle<R> ask(Function<ActorRef<R>, ?> request, Duration timeout) {
            throw new UnsupportedOperationException();
        }
        @Override public String path() { return path; }
        @Override public String name() { return path.substring(path.lastIndexOf('/') + 1); }
        @Override public boolean equals(Object o) {
            return o instanceof FakeRef r && r.path.equals(path) && r.uid == uid;
        }
        @Override public int hashCode() { return Objects.hash(path, uid); }
        @Override public String toString() { return "FakeRef(" + path + "#" + uid + ")"; }
    }

    /** Another ref class, as the actors module has several (cells, ask replies, routers). */
    static final class OtherRef implements ActorRef<String> {
        final String path;

        OtherRef(String path) {
            this.path = path;
        }

        @Override public void tell(String message) { throw new UnsupportedOperationException(); }
        @Override public boolean tryTell(String message) { throw new UnsupportedOperationException(); }
        @Override public <R> JoinHandle<R> ask(Function<ActorRef<R>, ? extends String> request, Duration timeout) {
            throw new UnsupportedOperationException();
        }
        @Override public String path() { return path; }
        @Override public String name() { return path.substring(path.lastIndexOf('/') + 1); }
    }

    /** Writes {@code kabuki://shop@127.0.0.1:25520/path#uid}; resolves every such string to a {@link FakeRef}. */
    static final class FakeRefCodec implements RefCodec {
        @Override
        public String toWire(ActorRef<?> ref) {
            int uid = ref instanceof FakeRef f ? f.uid : 7;
            return NODE + ref.path() + "#" + uid;
        }

        @Override
        public ActorRef<?> fromWire(String wire) {
            int hash = wire.lastIndexOf('#');
            if (!wire.startsWith(NODE + "/") || hash < 0) {
                throw new IllegalArgumentException("not a ref of " + NODE + ": " + wire);
            }
            try {
                return new FakeRef(wire.substring(NODE.length(), hash), Integer.parseInt(wire.substring(hash + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad uid in " + wire, e);
            }
        }
    }
}
