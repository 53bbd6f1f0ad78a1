package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kabuki.actors.ActorSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/** KvServer driven by a real Redis client (Jedis, which falls back to RESP2) over 127.0.0.1. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvServerTest {
    private static final AtomicInteger SYSTEMS = new AtomicInteger();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;
    private final List<ActorSystem> systems = new ArrayList<>();
    private final List<Jedis> clients = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (Jedis j : clients) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // the server may have closed it
            }
        }
        systems.forEach(ActorSystem::close);
    }

    private ActorSystem newSystem() {
        ActorSystem s = ActorSystem.builder().threadNamePrefix("kvtest" + SYSTEMS.incrementAndGet()).build();
        systems.add(s);
        return s;
    }

    private KvServer.Running start(ActorSystem system, FsyncPolicy fsync) {
        return KvServer.start(system, KvServer.Config.defaults(dataDir).withShards(4).withFsync(fsync));
    }

    private Jedis client(KvServer.Running server) {
        Jedis j = new Jedis("127.0.0.1", server.port(), 10_000);
        clients.add(j);
        return j;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            LockSupport.parkNanos(1_000_000); // polls the condition; the deadline bounds the wait
        }
    }

    private static ProtocolCommand command(String name) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        return () -> raw;
    }

    private static String text(Object reply) {
        return new String((byte[]) reply, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ commands

    @Test
    void everyCommandAnswersAsRedisDoes() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis j = client(server);

        assertThat(j.ping()).isEqualTo("PONG");
        assertThat(j.ping("hello")).isEqualTo("hello");
        assertThat(j.echo("echo me")).isEqualTo("echo me");

        assertThat(j.set("a", "1")).isEqualTo("OK");
        assertThat(j.get("a")).isEqualTo("1");
        assertThat(j.get("missing")).isNull();
        assertThat(j.incr("a")).isEqualTo(2);
        assertThat(j.incrBy("a", 40)).isEqualTo(42);
        assertThat(j.decr("a")).isEqualTo(41);
        assertThat(j.decrBy("a", 51)).isEqualTo(-10);
        assertThat(j.incr("counter")).isEqualTo(1);
        assertThat(j.strlen("a")).isEqualTo(3);
        assertThat(j.strlen("missing")).isZero();

        assertThat(j.set("nx", "first", SetParams.setParams().nx())).isEqualTo("OK");
        assertThat(j.set("nx", "second", SetParams.setParams().nx())).isNull();
        assertThat(j.set("xx", "v", SetParams.setParams().xx())).isNull();
        assertThat(j.set("nx", "third", SetParams.setParams().xx())).isEqualTo("OK");
        assertThat(j.get("nx")).isEqualTo("third");
        assertThat(text(j.sendCommand(Protocol.Command.SET, "nx", "fourth", "GET"))).isEqualTo("third");

        assertThat(j.mset("k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4", "k5", "v5")).isEqualTo("OK");
        assertThat(j.mget("k1", "nope", "k5", "k3", "k2", "k4")).containsExactly("v1", null, "v5", "v3", "v2", "v4");
        assertThat(j.exists("k1", "k2", "nope", "k1")).isEqualTo(3);
        assertThat(j.exists("k1")).isTrue();
        assertThat(j.del("k1", "k2", "nope")).isEqualTo(2);
        assertThat(j.dbSize()).isEqualTo(6); // a, counter, nx, k3, k4, k5
        assertThat(j.flushAll()).isEqualTo("OK");
        assertThat(j.dbSize()).isZero();

        assertThat((Long) j.sendCommand(Protocol.Command.COMMAND, "COUNT")).isPositive();
        assertThat((List<?>) j.sendCommand(Protocol.Command.COMMAND, "DOCS")).isEmpty();
        assertThat(j.clientSetname("tester")).isEqualTo("OK");
        assertThat(j.clientGetname()).isEqualTo("tester");
        assertThat(j.select(0)).isEqualTo("OK");
    }

    @Test
    void aClientThatTriesResp3FirstFallsBackToResp2() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        // RedisClient negotiates: HELLO 3, then on "unknown command" RESP2; then CLIENT SETINFO.
        try (RedisClient client = RedisClient.create("127.0.0.1", server.port())) {
            assertThat(client.set("negotiated", "resp2")).isEqualTo("OK");
            assertThat(client.get("negotiated")).isEqualTo("resp2");
            assertThat(client.incr("negotiated-counter")).isEqualTo(1);
        }
    }

    @Test
    void errorsUseRedisWordsAndKeepTheConnectionUsable() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis j = client(server);

        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.GET)).isInstanceOf(JedisDataException.class)
                .hasMessage("ERR wrong number of arguments for 'get' command");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.MSET, "a", "1", "b"))
                .hasMessage("ERR wrong number of arguments for 'mset' command");
        assertThatThrownBy(() -> j.sendCommand(command("FROB"), "x", "y"))
                .hasMessage("ERR unknown command 'FROB', with args beginning with: 'x' 'y' ");
        j.set("word", "hello");
        assertThatThrownBy(() -> j.incr("word")).hasMessage("ERR value is not an integer or out of range");
        j.set("max", Long.toString(Long.MAX_VALUE));
        assertThatThrownBy(() -> j.incr("max")).hasMessage("ERR increment or decrement would overflow");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.SET, "k", "v", "EX", "0"))
                .hasMessage("ERR invalid expire time in 'set' command");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.SET, "k", "v", "EX", "ten"))
                .hasMessage("ERR value is not an integer or out of range");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.SET, "k", "v", "EX", "1", "PX", "1"))
                .hasMessage("ERR syntax error");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.SET, "k", "v", "NX", "XX"))
                .hasMessage("ERR syntax error");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.SET, "k", "v", "EX"))
                .hasMessage("ERR syntax error");
        assertThatThrownBy(() -> j.sendCommand(Protocol.Command.CLIENT, "FLY"))
                .hasMessage("ERR unknown subcommand 'FLY'. Try CLIENT HELP.");

        assertThat(j.get("k")).isNull();
        assertThat(j.ping()).isEqualTo("PONG");
    }

    @Test
    void tenThousandPipelinedCommandsAreAnsweredInOrder() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        Pipeline p = j.pipelined();
        List<Response<String>> sets = new ArrayList<>();
        List<Response<String>> gets = new ArrayList<>();
        List<Response<Long>> incrs = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            sets.add(p.set("key:" + i, "value:" + i));
            gets.add(p.get("key:" + (i / 2)));
        }
        for (int i = 0; i < 1_000; i++) {
            incrs.add(p.incr("pipelined-counter"));
        }
        Response<List<String>> mget = p.mget("key:1", "key:4999", "none", "key:2500");
        p.sync();
        for (int i = 0; i < 5_000; i++) {
            assertThat(sets.get(i).get()).isEqualTo("OK");
            assertThat(gets.get(i).get()).as("get %d", i).isEqualTo("value:" + (i / 2));
        }
        for (int i = 0; i < 1_000; i++) {
            assertThat(incrs.get(i).get()).isEqualTo(i + 1);
        }
        assertThat(mget.get()).containsExactly("value:1", "value:4999", null, "value:2500");
    }

    @Test
    void valuesAndKeysAreBinarySafe() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        byte[] every = new byte[256];
        for (int i = 0; i < 256; i++) {
            every[i] = (byte) i;
        }
        j.set(every, every);
        assertThat(j.get(every)).isEqualTo(every);
        assertThat(j.strlen(every)).isEqualTo(256);

        byte[] mib = new byte[1 << 20];
        new Random(42).nextBytes(mib);
        j.set("big".getBytes(), mib);
        assertThat(j.get("big".getBytes())).isEqualTo(mib);
        assertThat(j.echo(mib)).isEqualTo(mib);
    }

    @Test
    void keysExpireOnAccessAndBySweep() {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        j.set("short", "x", SetParams.setParams().px(50));
        j.set("long", "y", SetParams.setParams().ex(1000));
        assertThat(j.get("long")).isEqualTo("y");
        await("the PX 50 key to expire", () -> j.get("short") == null);
        assertThat(j.get("long")).isEqualTo("y");

        // Nobody touches these: only the sweep can remove them, and DBSIZE counts until it does.
        for (int i = 0; i < 100; i++) {
            j.set("swept:" + i, "v", SetParams.setParams().px(20));
        }
        await("the sweep to remove untouched expired keys", () -> j.dbSize() == 1);
    }

    // ------------------------------------------------------------------ persistence

    @Test
    void dataWrittenIsReadBackAfterARestart() {
        ActorSystem first = newSystem();
        KvServer.Running server = start(first, FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        j.set("kept", "value");
        j.set("gone", "x");
        j.del("gone");
        j.incrBy("n", 7);
        j.mset("m1", "a", "m2", "b", "m3", "c");
        j.set("ttl", "t", SetParams.setParams().ex(1000));
        j.set("expired", "e", SetParams.setParams().px(1));
        byte[] bin = {0, (byte) 0xff, '\r', '\n'};
        j.set(bin, bin);
        first.close();
        assertThat(server.journalClosed()).isTrue();

        KvServer.Running again = KvServer.start(newSystem(), KvServer.Config.defaults(dataDir).withShards(3));
        Jedis k = client(again);
        assertThat(k.get("kept")).isEqualTo("value");
        assertThat(k.get("gone")).isNull();
        assertThat(k.get("n")).isEqualTo("7");
        assertThat(k.mget("m1", "m2", "m3")).containsExactly("a", "b", "c");
        assertThat(k.get("ttl")).isEqualTo("t");
        assertThat(k.ttl("ttl")).isBetween(990L, 1000L);
        assertThat(k.pttl("kept")).isEqualTo(-1);
        assertThat(k.pttl("nothing")).isEqualTo(-2);
        assertThat(k.get("expired")).isNull();
        assertThat(k.get(bin)).isEqualTo(bin);
        assertThat(again.replay().truncated()).isFalse();
    }

    @Test
    void aFlushAllIsReplayedShardByShardWithoutLosingLaterWrites() {
        ActorSystem first = newSystem();
        KvServer.Running server = start(first, FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        for (int i = 0; i < 50; i++) {
            j.set("before:" + i, "x");
        }
        j.flushAll();
        for (int i = 0; i < 50; i++) {
            j.set("after:" + i, "y");
        }
        first.close();

        KvServer.Running again = KvServer.start(newSystem(), KvServer.Config.defaults(dataDir).withShards(2));
        Jedis k = client(again);
        assertThat(k.dbSize()).isEqualTo(50);
        assertThat(k.get("after:49")).isEqualTo("y");
    }

    @Test
    void aJournalTornMidRecordReplaysUpToTheLastWholeRecordAndSaysSo() throws IOException {
        ActorSystem first = newSystem();
        KvServer.Running server = start(first, FsyncPolicy.EVERYSEC);
        Jedis j = client(server);
        j.set("one", "1");
        j.set("two", "2");
        j.set("three", "3333333333");
        first.close();
        Path journal = dataDir.resolve(KvServer.JOURNAL_FILE);
        long size = Files.size(journal);
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5); // as if the machine died in the middle of the last append
        }

        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger replayLogger = (Logger) LoggerFactory.getLogger(JournalReplay.class);
        replayLogger.addAppender(log);
        KvServer.Running again;
        try {
            again = start(newSystem(), FsyncPolicy.EVERYSEC);
        } finally {
            replayLogger.detachAppender(log);
        }
        assertThat(again.replay().records()).isEqualTo(2);
        assertThat(again.replay().droppedBytes()).isPositive();
        assertThat(log.list).hasSize(1);
        assertThat(log.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(log.list.get(0).getFormattedMessage())
                .contains("dropped the last " + again.replay().droppedBytes() + " bytes");

        Jedis k = client(again);
        assertThat(k.get("one")).isEqualTo("1");
        assertThat(k.get("two")).isEqualTo("2");
        assertThat(k.get("three")).isNull();
        k.set("four", "4");
        systems.get(1).close();

        KvServer.Running third = start(newSystem(), FsyncPolicy.EVERYSEC);
        assertThat(third.replay().truncated()).isFalse();
        assertThat(client(third).mget("one", "two", "three", "four")).containsExactly("1", "2", null, "4");
    }

    @Test
    void withFsyncAlwaysAnAcknowledgedWriteIsOnDiskBeforeAnyClose() throws IOException {
        KvServer.Running server = start(newSystem(), FsyncPolicy.ALWAYS);
        Jedis j = client(server);
        assertThat(j.set("durable", "yes")).isEqualTo("OK");
        assertThat(j.incr("durable-counter")).isEqualTo(1);
        Pipeline p = j.pipelined();
        for (int i = 0; i < 200; i++) {
            p.set("batch:" + i, "v" + i);
        }
        p.sync();

        // Read the file as a crashed process would leave it: the server is still running.
        Path copy = dataDir.resolveSibling(dataDir.getFileName() + "-copy.journal");
        Files.copy(server.journalFile(), copy);
        List<String> keys = new ArrayList<>();
        JournalReplay.replay(copy, r -> {
            if (r instanceof JournalRecord.Put put) {
                keys.add(new String(put.key(), StandardCharsets.UTF_8));
            }
        });
        assertThat(keys).contains("durable", "durable-counter", "batch:0", "batch:199");
        Files.delete(copy);
    }

    // ------------------------------------------------------------------ bad input and shutdown

    @Test
    void malformedRespGetsAProtocolErrorAndACloseWhileOthersAreServed() throws IOException {
        KvServer.Running server = start(newSystem(), FsyncPolicy.EVERYSEC);
        Jedis other = client(server);
        other.set("still", "here");
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("PING\r\n*2\r\n$3\r\nGET\r\n$x\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = readToEnd(s.getInputStream());
            assertThat(reply).isEqualTo("+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("*1\r\n$999999999999\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(s.getInputStream())).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("SET a b\r\nQUIT\r\nGET a\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(s.getInputStream())).isEqualTo("+OK\r\n+OK\r\n");
        }
        assertThat(other.get("still")).isEqualTo("here");
        assertThat(client(server).get("a")).isEqualTo("b");
    }

    /** Everything until the server closes the connection (bounded by the socket timeout). */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void closingTheSystemWithLiveConnectionsLeavesNoThreadAndClosesTheJournal() {
        ActorSystem system = newSystem();
        String prefix = system.name() + "-";
        KvServer.Running server = start(system, FsyncPolicy.EVERYSEC);
        List<Jedis> live = List.of(client(server), client(server), client(server));
        for (Jedis j : live) {
            j.set("k" + j.hashCode(), "v");
        }
        Pipeline busy = live.get(0).pipelined();
        for (int i = 0; i < 1000; i++) {
            busy.set("busy:" + i, "x");
        }
        busy.sync();
        assertThat(server.connectionCount()).isEqualTo(3);

        system.close();

        assertThat(server.journalClosed()).isTrue();
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).map(Thread::getName).toList();
        assertThat(left).isEmpty();
        assertThatThrownBy(() -> live.get(1).get("k")).isInstanceOf(JedisConnectionException.class);
    }
}
