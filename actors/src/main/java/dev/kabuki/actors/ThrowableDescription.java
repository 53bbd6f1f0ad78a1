package dev.kabuki.actors;

/**
 * Describes a throwable for a log line or a message without ever throwing: a user's exception
 * whose {@code toString()} or {@code getMessage()} throws must not turn the runtime's own
 * failure handling (logging it, naming it in a dead letter) into a second failure.
 */
final class ThrowableDescription {
    private ThrowableDescription() {
    }

    /** {@code t.toString()}, or its class name and what went wrong describing it. */
    static String of(Throwable t) {
        if (t == null) {
            return "null";
        }
        try {
            return t.toString();
        } catch (Throwable broken) {
            return t.getClass().getName() + " (its toString() threw " + broken.getClass().getName() + ")";
        }
    }

    /**
     * {@code t} itself if a logging backend can print it (the messages and stack traces of it
     * and its causes can be read), otherwise a stand-in that carries its description and stack
     * trace.
     */
    static Throwable loggable(Throwable t) {
        if (t == null) {
            return null;
        }
        try {
            Throwable c = t;
            for (int depth = 0; c != null && depth < 32; depth++, c = c.getCause()) {
                c.getMessage();
                c.getLocalizedMessage();
                c.toString();
                c.getStackTrace();
            }
            return t;
        } catch (Throwable broken) {
            Throwable standIn = new Unprintable(of(t) + "; describing it (or a cause) threw "
                    + broken.getClass().getName() + ", so this stand-in is logged instead");
            try {
                standIn.setStackTrace(t.getStackTrace());
            } catch (Throwable ignored) {
                // keep the stand-in's own stack trace
            }
            return standIn;
        }
    }

    /** Stands in, in a log line, for a throwable that cannot be printed. */
    static final class Unprintable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unprintable(String description) {
            super(description, null, false, true);
        }
    }
}
