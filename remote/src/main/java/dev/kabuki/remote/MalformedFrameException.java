package dev.kabuki.remote;

/**
 * An inbound frame failed a check and is dropped (counted, and logged once per peer and kind).
 * Internal to the transport: it never reaches user code.
 */
final class MalformedFrameException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedFrameException(String reason) {
        super(reason, null, false, false); // a reason, not a stack: frames from the wire are expected to be bad sometimes
    }
}
