package dev.kabuki.benchmarks.suite;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * One side of one workload for {@code benchmarks/run}: runs one JMH benchmark in this process
 * (no fork: the suite starts a fresh JVM per side, with the same flags for every side) and prints
 * one line per iteration in the suite's result format:
 * <pre>
 *   WARMUP workload=W1 shape=- side=kabuki iter=1 metric=rate value=2.6E7 cpu_ms=81.0 wall_ms=80.2
 *   RESULT workload=W1 shape=- side=kabuki iter=1 metric=rate value=2.7E7 cpu_ms=78.0 wall_ms=77.9
 * </pre>
 * Arguments:
 * <pre>
 *   --workload W --shape S --side NAME --bench REGEX --wi N --i N
 *   [--count PARAM=N]     the JMH parameter that is the invocation's operation count; figure = N / time
 *   [--ops N]             the invocation's operation count when no single parameter holds it
 *   [--param K=V ...]     further JMH parameters
 *   [--figure rate|ms|line:TAG]  rate (default; needs --count), the score in ms, or the {@code rate=}
 *                         value of the lines the benchmark prints as {@code [TAG] ... rate=R}, one per
 *                         invocation (W8, whose figure is not a time)
 *   [--latency TAG]       copy p50_us/p99_us/p999_us from the benchmark's {@code [TAG]} lines, one per
 *                         invocation, onto the iteration's line
 * </pre>
 * Every benchmark the suite runs is single-shot (one invocation per iteration), so the k-th
 * {@code [TAG]} line belongs to the k-th iteration. Exits 1 with a message when the benchmark
 * fails or prints fewer lines than iterations.
 */
public final class JmhSide {
    private JmhSide() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Map<String, String> one = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        for (int a = 0; a < args.length; a++) {
            String key = args[a];
            if (!key.startsWith("--") || a + 1 >= args.length) {
                fail("bad argument '" + key + "' (every option takes a value)");
            }
            String value = args[++a];
            if (key.equals("--param") || key.equals("--count")) {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    fail(key + " wants NAME=VALUE, got '" + value + "'");
                }
                params.put(value.substring(0, eq), value.substring(eq + 1));
                if (key.equals("--count")) {
                    one.put("count", value.substring(eq + 1));
                }
            } else if (key.equals("--ops")) {
                one.put("count", value);
            } else {
                one.put(key.substring(2), value);
            }
        }
        for (String required : List.of("workload", "shape", "side", "bench", "wi", "i")) {
            if (!one.containsKey(required)) {
                fail("missing --" + required);
            }
        }
        String figure = one.getOrDefault("figure", "rate");
        if (figure.equals("rate") && !one.containsKey("count")) {
            fail("--figure rate needs --count PARAM=N");
        }

        PrintStream realOut = System.out;
        LineTee tee = new LineTee(realOut);
        PrintStream teeOut = new PrintStream(tee, true, StandardCharsets.UTF_8);
        System.setOut(teeOut);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(one.get("bench"))
                .forks(0)
                .warmupIterations(Integer.parseInt(one.get("wi")))
                .measurementIterations(Integer.parseInt(one.get("i")))
                .addProfiler(IterationRecorder.class)
                .resultFormat(ResultFormatType.TEXT)
                .result("/dev/null")
                .verbosity(VerboseMode.NORMAL)
                .shouldFailOnError(true);
        params.forEach(options::param);
        try {
            new Runner(options.build()).run();
        } catch (Exception e) {
            System.setOut(realOut);
            fail("benchmark " + one.get("bench") + " failed: " + e);
        }
        System.setOut(realOut);

        List<IterationRecorder.Iteration> iterations = IterationRecorder.records();
        int expected = Integer.parseInt(one.get("wi")) + Integer.parseInt(one.get("i"));
        if (iterations.size() != expected) {
            fail("expected " + expected + " iterations, recorded " + iterations.size()
                    + " (did the regex match exactly one benchmark?)");
        }
        List<Map<String, String>> figureLines = figure.startsWith("line:")
                ? tee.tagged(figure.substring(5), expected) : null;
        List<Map<String, String>> latencyLines = one.containsKey("latency")
                ? tee.tagged(one.get("latency"), expected) : null;

        int warm = 0;
        int measured = 0;
        for (int k = 0; k < iterations.size(); k++) {
            IterationRecorder.Iteration it = iterations.get(k);
            if (!it.unit().startsWith("ms/")) {
                fail("expected a single-shot score in ms, got " + it.unit());
            }
            String metric;
            double value;
            if (figure.equals("rate")) {
                metric = "rate";
                value = Double.parseDouble(one.get("count")) / (it.score() / 1e3);
            } else if (figure.equals("ms")) {
                metric = "ms";
                value = it.score();
            } else {
                metric = "rate";
                value = Double.parseDouble(figureLines.get(k).get("rate"));
            }
            StringBuilder line = new StringBuilder(it.warmup() ? "WARMUP" : "RESULT")
                    .append(" workload=").append(one.get("workload"))
                    .append(" shape=").append(one.get("shape"))
                    .append(" side=").append(one.get("side"))
                    .append(" iter=").append(it.warmup() ? ++warm : ++measured)
                    .append(" metric=").append(metric)
                    .append(" value=").append(String.format("%.6g", value))
                    .append(" cpu_ms=").append(String.format("%.1f", it.cpuMs()))
                    .append(" wall_ms=").append(String.format("%.1f", it.wallMs()));
            if (latencyLines != null) {
                for (String p : List.of("p50_us", "p99_us", "p999_us")) {
                    String v = latencyLines.get(k).get(p);
                    if (v != null) {
                        line.append(' ').append(p).append('=').append(v);
                    }
                }
            }
            realOut.println(line);
        }
        realOut.flush();
        System.exit(0);
    }

    private static void fail(String message) {
        System.err.println("FAILED JmhSide: " + message);
        System.exit(1);
    }

    /** Passes everything through to the real stdout and keeps the lines, to find tagged ones. */
    private static final class LineTee extends OutputStream {
        private final PrintStream out;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private final List<String> lines = new ArrayList<>();

        LineTee(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            out.write(b);
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else {
                current.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        /** The key=value maps of the lines starting with [tag]; exactly {@code expected} of them. */
        synchronized List<Map<String, String>> tagged(String tag, int expected) {
            List<Map<String, String>> found = new ArrayList<>();
            for (String l : lines) {
                String s = l.strip();
                if (s.startsWith("[" + tag + "]")) {
                    Map<String, String> kv = new LinkedHashMap<>();
                    for (String word : s.split("\\s+")) {
                        int eq = word.indexOf('=');
                        if (eq > 0) {
                            kv.put(word.substring(0, eq), word.substring(eq + 1));
                        }
                    }
                    found.add(kv);
                }
            }
            if (found.size() != expected) {
                fail("expected " + expected + " [" + tag + "] lines (one per iteration), found " + found.size());
            }
            return found;
        }
    }
}
