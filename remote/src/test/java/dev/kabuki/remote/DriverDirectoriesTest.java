package dev.kabuki.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverDirectoriesTest {
    @TempDir
    Path base;

    /** The pid of a process that has ended (so no live process has it, barring reuse). */
    private static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor()).isZero();
        assertThat(ProcessHandle.of(p.pid())).isEmpty();
        return p.pid();
    }

    private File dir(String name) throws IOException {
        File d = base.resolve(name).toFile();
        assertThat(d.mkdir()).isTrue();
        Files.writeString(d.toPath().resolve("some-log"), "x");
        return d;
    }

    @Test
    void newDirectoriesNameTheSystemAndThisProcessAndNeverRepeat() {
        File a = DriverDirectories.newDirectory(base.toFile(), "orders");
        File b = DriverDirectories.newDirectory(base.toFile(), "orders");
        assertThat(a.getName()).startsWith("kabuki-orders-" + ProcessHandle.current().pid() + "-");
        assertThat(a).isNotEqualTo(b);
        assertThat(a.getParentFile()).isEqualTo(base.toFile());
    }

    @Test
    void removesOnlyDirectoriesOfGoneProcessesWhoseDriverIsNotBeating() throws Exception {
        long dead = deadPid();
        File stale = dir("kabuki-orders-" + dead + "-" + UUID.randomUUID());
        File staleDashedName = dir("kabuki-kv-node-2-" + dead + "-" + UUID.randomUUID());
        File ours = dir("kabuki-orders-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        File otherShape = dir("kabuki-orders-" + UUID.randomUUID());
        File notOurs = dir("aeron-root");
        File alsoNotOurs = dir("kabuki-orders-" + dead + "-not-a-uuid");

        assertThat(DriverDirectories.sweep(base.toFile())).isEqualTo(2);

        assertThat(stale).doesNotExist();
        assertThat(staleDashedName).doesNotExist();
        assertThat(ours).isDirectory();
        assertThat(otherShape).isDirectory();
        assertThat(notOurs).isDirectory();
        assertThat(alsoNotOurs).isDirectory();
        assertThat(DriverDirectories.sweep(base.toFile())).isZero();
    }

    @Test
    void keepsADirectoryWhoseDriverStillBeatsEvenUnderAPidThatIsGone() throws Exception {
        // As when processes of another pid namespace share the tmpfs: the pid says nothing here.
        File alive = base.resolve("kabuki-elsewhere-" + deadPid() + "-" + UUID.randomUUID()).toFile();
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(alive.getAbsolutePath())
                .threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true))) {
            assertThat(DriverDirectories.sweep(base.toFile())).isZero();
            assertThat(new File(alive, "cnc.dat")).isFile();
        }
    }

    @Test
    void aMissingBaseDirectoryIsNothingToSweep() {
        assertThat(DriverDirectories.sweep(base.resolve("absent").toFile())).isZero();
    }

    @Test
    void aTransportSweepsBeforeItStarts() throws Exception {
        File stale = dir("kabuki-crashed-" + deadPid() + "-" + UUID.randomUUID());
        AeronTransport t = new AeronTransport("fresh", "127.0.0.1", 0, base.toString(),
                AeronTransport.DEFAULT_ORDINARY_TERM_LENGTH);
        try {
            assertThat(stale).doesNotExist();
            assertThat(new File(t.directory())).isDirectory();
        } finally {
            t.close();
        }
    }
}
