package dev.kabuki.scheduler.internal;

import java.util.function.Function;

/**
 * Resolves the number of core worker threads: the builder's explicit value wins, then the
 * environment variable {@value #ENV}, then the number of available processors.
 */
final class WorkerThreadsSetting {
    static final String ENV = "KABUKI_WORKER_THREADS";
    static final int MAX = 32767;

    private WorkerThreadsSetting() {
    }

    static int resolve(Integer explicit, Function<String, String> environment) {
        if (explicit != null) {
            if (explicit < 1 || explicit > MAX) {
                throw new IllegalArgumentException("workerThreads must be between 1 and " + MAX
                        + ", got " + explicit);
            }
            return explicit;
        }
        String raw = environment.apply(ENV);
        if (raw != null) {
            int n;
            try {
                n = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ENV + " must be a positive integer, got '" + raw + "'");
            }
            if (n < 1 || n > MAX) {
                throw new IllegalArgumentException(ENV + " must be a positive integer no larger than "
                        + MAX + ", got '" + raw + "'");
            }
            return n;
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
