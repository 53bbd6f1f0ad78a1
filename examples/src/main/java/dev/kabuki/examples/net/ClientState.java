package dev.kabuki.examples.net;

/** What a connection knows about its client: its id and the name it gave (CLIENT SETNAME). */
final class ClientState {
    private final long id;
    private byte[] name;

    ClientState(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }

    byte[] name() {
        return name;
    }

    void name(byte[] name) {
        this.name = name.length == 0 ? null : name;
    }
}
