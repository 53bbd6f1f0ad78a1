package dev.kabuki.testkit;

/**
 * An exception an actor threw, as the {@link ActorTestKit} recorded it.
 *
 * @param actor   the path of the actor that threw, e.g. {@code /user/parser}
 * @param during  where it threw: {@code "receive"} (processing {@code message}), or the
 *                lifecycle hook's name ({@code "onStart"}, {@code "onRestart"},
 *                {@code "onTerminated"}, {@code "onChildRestarted"}, {@code "onStop"})
 * @param message the message being processed, or null for a lifecycle hook
 * @param cause   the exception, as its {@code toString()} (e.g.
 *                {@code java.lang.NumberFormatException: For input string: "x"})
 */
public record ActorFailure(String actor, String during, Object message, String cause) {

    /** One line: who failed, where, on what, and why. */
    @Override
    public String toString() {
        return actor + " failed in " + during + (message == null ? "" : " of " + message) + ": " + cause;
    }
}
