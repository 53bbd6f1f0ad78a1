package dev.kabuki.examples.net;

import dev.kabuki.actors.ActorRef;
import java.util.List;

/** Messages of the {@link JournalActor}. */
sealed interface JournalMsg {

    /** Entries wait in the {@link JournalAppendQueue}. */
    record Drain() implements JournalMsg {
        static final Drain INSTANCE = new Drain();
    }

    /** The fsync timer ({@link FsyncPolicy#EVERYSEC}). */
    record SyncTick() implements JournalMsg {
        static final SyncTick INSTANCE = new SyncTick();
    }

    /** Asks for the shard actors, in shard order (the journal's children). */
    record GetShards(ActorRef<List<ActorRef<ShardMsg>>> replyTo) implements JournalMsg {
    }
}
