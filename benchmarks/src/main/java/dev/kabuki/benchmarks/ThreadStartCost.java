package dev.kabuki.benchmarks;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * What one {@link Thread#start()} of a platform thread costs on this machine, the floor under
 * W6: an elastic blocking pool that meets a burst with no idle thread starts threads on the
 * submitter's path, so the threads it reaches before the first tasks end (and with them W6's
 * wall time) follow from this figure.
 *
 * <p>Each round starts {@code threads} platform threads that each sleep {@code sleepMs} (as
 * W6's tasks do), from {@code starters} starting threads in parallel, and prints the wall time
 * of the starts divided by the threads started. Several starters show whether starting threads
 * in parallel (from the new threads themselves, say) would raise the rate.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.kabuki.benchmarks.ThreadStartCost [threads] [starters...]
 * </pre>
 * Defaults: 500 threads, starters 1 2 4; 5 rounds each, the first 2 printed as warm-up.
 * Output lines: {@code ThreadStartCost starters=S round=R us_per_thread=X}.
 */
public final class ThreadStartCost {
    private static final int ROUNDS = 5;
    private static final int WARMUP = 2;
    private static final long SLEEP_MS = 10;

    private ThreadStartCost() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int[] starters = args.length > 1 ? new int[args.length - 1] : new int[] {1, 2, 4};
        for (int i = 1; i < args.length; i++) {
            starters[i - 1] = Integer.parseInt(args[i]);
        }
        for (int s : starters) {
            for (int round = 1; round <= ROUNDS; round++) {
                double us = oneRound(threads, s);
                System.out.printf(Locale.ROOT, "ThreadStartCost%s starters=%d round=%d us_per_thread=%.1f%n",
                        round <= WARMUP ? " (warm-up)" : "", s, round, us);
            }
        }
    }

    /** Starts {@code n} sleeping threads from {@code starters} threads; microseconds per start. */
    private static double oneRound(int n, int starters) throws InterruptedException {
        int per = Math.max(1, n / starters);
        CountDownLatch ended = new CountDownLatch(per * starters);
        Runnable sleeper = () -> {
            try {
                Thread.sleep(SLEEP_MS); // the work of a W6 task
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended.countDown();
            }
        };
        Thread[] starting = new Thread[starters];
        long t0 = System.nanoTime();
        for (int s = 0; s < starters; s++) {
            starting[s] = new Thread(() -> {
                for (int i = 0; i < per; i++) {
                    new Thread(sleeper).start();
                }
            });
            starting[s].start();
        }
        for (Thread t : starting) {
            t.join();
        }
        long elapsed = System.nanoTime() - t0;
        ended.await();
        return elapsed / 1e3 / (per * starters);
    }
}
