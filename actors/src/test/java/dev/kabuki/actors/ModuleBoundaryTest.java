package dev.kabuki.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public API surface, as a user's own module sees it: code on the module path that
 * {@code requires dev.kabuki.actors} compiles against the API, and cannot reach the runtime's
 * internal SPI ({@code Task}, {@code CallableTask}, the dispatchers' {@code execute}, the
 * blocking pool, the mailbox queues), which the kabuki modules export only to each other.
 */
class ModuleBoundaryTest {

    /** The kabuki modules and slf4j from the test class path: what a user's module path holds. */
    private static String modulePath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = e.replace('\\', '/');
            boolean kabukiModule = n.matches(".*/(mailbox|scheduler|blocking-dispatcher|actors)/target/classes/?")
                    || n.matches(".*/kabuki-(mailbox|scheduler|blocking-dispatcher|actors)-[^/]*\\.jar");
            if (kabukiModule || n.matches(".*/slf4j-api-[^/]*\\.jar")) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static JavaFileObject source(String path, String code) {
        return new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }

    /** Compiles a one-class user module; returns javac's diagnostics, or "" if it compiled. */
    private static String compileUserModule(Path out, String mainClassBody) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("tests run on a JDK").isNotNull();
        Files.createDirectories(out);
        StringWriter diagnostics = new StringWriter();
        List<JavaFileObject> units = List.of(
                source("module-info.java", "module user.app { requires dev.kabuki.actors; }"),
                source("app/Main.java", "package app;\n" + mainClassBody));
        boolean ok = javac.getTask(diagnostics, null, null,
                // An empty class path: javac would otherwise take the test JVM's, which holds
                // every kabuki class in the unnamed module.
                List.of("--module-path", modulePath(), "--class-path", out.toString(),
                        "-d", out.toString(), "-proc:none"),
                null, units).call();
        return ok ? "" : diagnostics.toString();
    }

    @Test
    void aUserModuleCompilesAgainstTheApi(@TempDir Path dir) throws IOException {
        String errors = compileUserModule(dir.resolve("ok"), """
                import dev.kabuki.actors.*;
                import dev.kabuki.mailbox.OverflowPolicy;
                import dev.kabuki.scheduler.JoinHandle;
                import dev.kabuki.scheduler.Promise;
                import java.io.IOException;
                import java.time.Duration;
                import static dev.kabuki.actors.SupervisorStrategy.*;
                public class Main {
                    public static void main(String[] args) {
                        try (ActorSystem system = ActorSystem.builder().build()) {
                            ActorRef<String> echo = system.spawnActor("echo", () -> (ctx, m) -> { },
                                    ActorOptions.defaults().boundedMailbox(10, OverflowPolicy.FAIL)
                                            .supervision(onFailure(IOException.class, resume()).otherwise(stop())));
                            JoinHandle<Integer> answer = system.spawn(() -> 42);
                            Promise<String> promise = system.promise();
                            JoinHandle<Integer> length = promise.map(String::length);
                            promise.complete("four");
                            Router<String> pool = Routers.pool(2, () -> (Actor<String>) (ctx, m) -> { })
                                    .withSmallestMailboxRouting().spawn(system, "pool");
                            pool.tell(new Broadcast<>("hello"));
                            ActorRef<StatusReply<Integer>> ignore = system.ignoreRef();
                            ignore.tell(StatusReply.success(1));
                            System.out.println(answer.join() + length.join() + " " + echo.path()
                                    + " " + system.metrics().core().workers());
                        }
                    }
                }
                """);
        assertThat(errors).isEmpty();
    }

    @Test
    void theInternalSpiIsNotVisibleToUsers(@TempDir Path dir) throws IOException {
        String[][] internals = {
                {"dev.kabuki.scheduler.internal.Task", "dev.kabuki.scheduler.internal"},
                {"dev.kabuki.scheduler.internal.CallableTask<String>", "dev.kabuki.scheduler.internal"},
                {"dev.kabuki.scheduler.internal.CoreDispatcher", "dev.kabuki.scheduler.internal"},
                {"dev.kabuki.scheduler.internal.ThreadHooks", "dev.kabuki.scheduler.internal"},
                {"dev.kabuki.blocking.internal.ElasticBlockingPool", "dev.kabuki.blocking.internal"},
                {"dev.kabuki.mailbox.internal.MailboxStatus", "dev.kabuki.mailbox.internal"},
        };
        for (String[] internal : internals) {
            String errors = compileUserModule(dir.resolve(internal[0].replaceAll("\\W", "_")),
                    "public class Main { " + internal[0] + " field; }");
            assertThat(errors.toLowerCase(Locale.ROOT))
                    .as("%s must not be accessible from a user module", internal[0])
                    .contains("package " + internal[1] + " is not visible")
                    .contains("does not export it to module user.app");
        }
    }
}
