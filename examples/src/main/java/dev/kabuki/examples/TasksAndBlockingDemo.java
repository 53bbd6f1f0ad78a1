package dev.kabuki.examples;

import dev.kabuki.actors.ActorSystem;
import dev.kabuki.actors.RuntimeMetrics;
import dev.kabuki.actors.ShutdownReport;
import dev.kabuki.scheduler.JoinHandle;
import dev.kabuki.scheduler.JoinSet;
import dev.kabuki.scheduler.TaskTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tour of the runtime: core tasks, blocking work, a JoinSet, timers, timeouts, metrics and a
 * clean shutdown. Run it with the README's first command.
 */
public final class TasksAndBlockingDemo {

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("kabuki-demo", ".txt");
        Files.writeString(file, "hello from a file read on a blocking thread");

        try (ActorSystem system = ActorSystem.builder()
                .threadNamePrefix("demo")
                .threadKeepAlive(Duration.ofSeconds(2))
                .build()) {

            // 1. Core tasks: non-blocking work on one worker per CPU.
            JoinHandle<Integer> answer = system.spawn(() -> 6 * 7);

            // 2. Blocking work goes to the elastic blocking pool, never to a core worker.
            JoinHandle<String> text = system.spawnBlocking(() -> Files.readString(file));
            System.out.println(answer.join() + " / " + text.join());

            // 3. A JoinSet joins tasks in completion order and aborts leftovers on close.
            try (JoinSet<String> downloads = system.joinSet()) {
                for (int ms : new int[] {300, 100, 200}) {
                    downloads.spawnBlocking(() -> {
                        Thread.sleep(ms); // stands in for a slow network call
                        return "download that took " + ms + " ms";
                    });
                }
                JoinHandle<String> done;
                while ((done = downloads.joinNext()) != null) {
                    System.out.println("finished: " + done.join());
                }
            }

            // 4. Fan out 100,000 small tasks and sum their results.
            List<JoinHandle<Long>> parts = new ArrayList<>();
            for (long i = 0; i < 100_000; i++) {
                long n = i;
                parts.add(system.spawn(() -> n * n));
            }
            long sum = 0;
            for (JoinHandle<Long> p : parts) {
                sum += p.join();
            }
            System.out.println("sum of squares below 100,000 = " + sum);

            // 5. Timers: a delayed task, a fixed-rate task, and a timeout on a handle.
            JoinHandle<String> later = system.schedule(Duration.ofMillis(50), () -> "ran 50 ms later");
            System.out.println(later.join());
            AtomicInteger ticks = new AtomicInteger();
            CountDownLatch threeTicks = new CountDownLatch(3);
            JoinHandle<Void> ticker = system.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(20), () -> {
                ticks.incrementAndGet();
                threeTicks.countDown();
            });
            threeTicks.await();
            ticker.abort();
            System.out.println("ticker ran " + ticks.get() + " times, then was aborted");
            JoinHandle<String> slow = system.spawnBlocking(() -> {
                Thread.sleep(10_000);
                return "too late";
            }).orTimeout(Duration.ofMillis(100));
            try {
                slow.join();
            } catch (TaskTimeoutException e) {
                System.out.println("timeout: " + e.getMessage());
            }

            // 6. A task's exception is its handle's outcome; it never kills a worker.
            JoinHandle<Object> broken = system.spawn(() -> {
                throw new IllegalStateException("bug in user code");
            });
            try {
                broken.join();
            } catch (RuntimeException e) {
                System.out.println(e.getClass().getSimpleName() + ", caused by " + e.getCause());
            }

            RuntimeMetrics m = system.metrics();
            System.out.printf("metrics: %d workers, %d blocking threads live (%d idle), %d steals, %d parks%n",
                    m.core().workers(), m.blocking().liveThreads(), m.blocking().idleThreads(),
                    m.core().steals(), m.core().parks());

            ShutdownReport report = system.shutdown(Duration.ofSeconds(5));
            System.out.println("shutdown clean: " + report.clean() + " in " + report.took().toMillis() + " ms");
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
