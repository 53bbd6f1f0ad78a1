package dev.kabuki.benchmarks.suite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the suite's report from the output directory of {@code benchmarks/run}: reads every
 * side's result lines ({@code logs/*.log}), its process CPU ({@code logs/*.time}), its failure
 * note ({@code logs/*.failed}) and the machine description ({@code machine.txt}), and writes
 * {@code benchmarks.md}, {@code benchmarks/results.csv} (every figure, per round and iteration)
 * and {@code benchmarks/ratios.png} (the chart of {@link RatioChart}) into the output directory
 * and, with {@code --docs DIR}, into DIR.
 *
 * <p>The figure of one side in one round is the median of its measured iterations; the ratio of
 * a round is kabuki's figure over the peer's, from the same round (so machine drift between
 * rounds cancels out); a workload's ratio is the median of its rounds' ratios, shown with their
 * range. Ratios are always oriented so that above 1 means kabuki is better: rates kabuki/peer,
 * times and bytes peer/kabuki.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.kabuki.benchmarks.suite.SuiteReport --out DIR [--docs DOCS_DIR]
 * </pre>
 */
public final class SuiteReport {
    private SuiteReport() {
    }

    static final List<String> SIDES = List.of("kabuki", "kabuki-b", "kabuki-idle10ms", "tokio", "pekko", "jdk", "netty-nio", "netty-epoll",
            "pekko-tcp", "pekko-aeron");
    /** A process's log name: WORKLOAD-SHAPE-SIDE-rROUND (W1---kabuki-r1, W7-c64-tokio-r2, R0-idle-pekko-tcp-r1). */
    private static final Pattern TAG = Pattern.compile(
            "^([WR]\\w+)-(.*)-(kabuki|kabuki-b|kabuki-idle10ms|tokio|pekko|jdk|netty-nio|netty-epoll|pekko-tcp|pekko-aeron)-r(\\d+)$");

    /** One result line of one process. */
    record Line(int round, String workload, String shape, String side, boolean warmup, int iter,
                String metric, double value, Map<String, String> extra) {
        double num(String key) {
            String v = extra.get(key);
            return v == null ? Double.NaN : Double.parseDouble(v);
        }
    }

    /** One process (one side, one round): its measured lines and its whole-process CPU. */
    record Process(String tag, int round, double cpuS, double wallS, double maxRssMb) {
    }

    /** Everything read from one run's output directory. */
    record Run(Map<String, String> machine, List<Line> lines, Map<String, Process> processes,
               Map<String, String> failures) {

        List<Line> measured(String workload, String shape, String side, String metric) {
            return lines.stream().filter(l -> !l.warmup() && l.workload().equals(workload)
                    && l.shape().equals(shape) && l.side().equals(side) && l.metric().equals(metric)).toList();
        }

        /** Round to the median of that round's measured iterations. */
        Map<Integer, Double> perRound(String workload, String shape, String side, String metric) {
            return perRound(workload, shape, side, metric, Line::value);
        }

        /** Round to the median of {@code field} over that round's measured iterations (NaN skipped). */
        Map<Integer, Double> perRound(String workload, String shape, String side, String metric,
                                      ToDoubleFunction<Line> field) {
            Map<Integer, List<Double>> byRound = new TreeMap<>();
            for (Line l : measured(workload, shape, side, metric)) {
                double v = field.applyAsDouble(l);
                if (!Double.isNaN(v)) {
                    byRound.computeIfAbsent(l.round(), k -> new ArrayList<>()).add(v);
                }
            }
            Map<Integer, Double> out = new TreeMap<>();
            byRound.forEach((r, xs) -> out.put(r, Stats.median(xs)));
            return out;
        }

        /** Median over rounds of the per-round median of an extra key (cpu_ms, p99_us...). */
        double extraMedian(String workload, String shape, String side, String metric, String key) {
            return Stats.median(new ArrayList<>(perRound(workload, shape, side, metric, l -> l.num(key)).values()));
        }

        /** Per-round ratios, oriented so that above 1 = kabuki better. */
        List<Double> ratios(String workload, String shape, String peer, String metric) {
            Map<Integer, Double> k = perRound(workload, shape, "kabuki", metric);
            Map<Integer, Double> p = perRound(workload, shape, peer, metric);
            boolean higherBetter = metric.equals("rate");
            List<Double> out = new ArrayList<>();
            k.forEach((r, kv) -> {
                Double pv = p.get(r);
                if (pv != null && kv > 0 && pv > 0) {
                    out.add(higherBetter ? kv / pv : pv / kv);
                }
            });
            return out;
        }

        List<String> shapes(String workload) {
            return lines.stream().filter(l -> l.workload().equals(workload)).map(Line::shape).distinct()
                    .sorted(Comparator.comparing(SuiteReport::shapeOrder)).toList();
        }

        boolean has(String workload) {
            return lines.stream().anyMatch(l -> l.workload().equals(workload))
                    || failures.keySet().stream().anyMatch(t -> t.startsWith(workload + "-"));
        }
    }

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        System.setProperty("java.awt.headless", "true");
        Path out = null;
        Path docs = null;
        Path keepFrom = null;
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--out" -> out = Path.of(args[++a]);
                case "--docs" -> docs = Path.of(args[++a]);
                case "--keep-from" -> keepFrom = Path.of(args[++a]);
                default -> {
                    System.err.println("usage: SuiteReport --out DIR [--docs DOCS_DIR] [--keep-from RESULTS_CSV]");
                    System.exit(2);
                }
            }
        }
        if (out == null || !Files.isDirectory(out.resolve("logs"))) {
            System.err.println("SuiteReport: --out must be the output directory of benchmarks/run (with logs/)");
            System.exit(2);
        }
        Run run = read(out);
        if (keepFrom != null) {
            run = keepFrom(run, keepFrom);
        }
        String page = new ReportPage(run).render();
        write(out, run, page);
        System.out.println("report: " + out.resolve("benchmarks.md"));
        if (docs != null) {
            write(docs, run, page);
            System.out.println("report: " + docs.resolve("benchmarks.md") + " (with benchmarks/ratios.png, benchmarks/results.csv)");
        }
    }

    private static void write(Path dir, Run run, String page) throws IOException {
        Path assets = dir.resolve("benchmarks");
        Files.createDirectories(assets);
        Files.writeString(dir.resolve("benchmarks.md"), page);
        Files.writeString(assets.resolve("results.csv"), csv(run));
        RatioChart.write(run, assets.resolve("ratios.png"));
    }

    static Run read(Path out) throws IOException {
        Map<String, String> machine = new LinkedHashMap<>();
        Path m = out.resolve("machine.txt");
        if (Files.exists(m)) {
            for (String l : Files.readAllLines(m)) {
                int eq = l.indexOf('=');
                if (eq > 0) {
                    machine.put(l.substring(0, eq), l.substring(eq + 1));
                }
            }
        }
        List<Line> lines = new ArrayList<>();
        Map<String, Process> processes = new TreeMap<>();
        Map<String, String> failures = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(out.resolve("logs"))) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".failed")) {
                failures.put(name.substring(0, name.lastIndexOf('.')), Files.readString(f).strip());
            }
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".server.log")) {
                continue;
            }
            String tag = name.substring(0, name.lastIndexOf('.'));
            Matcher t = TAG.matcher(tag);
            if (!t.matches()) {
                continue;
            }
            int round = Integer.parseInt(t.group(4));
            if (name.endsWith(".log") && !failures.containsKey(tag)) {
                // A failed side's lines (printed before it died) are not figures.
                for (String l : Files.readAllLines(f)) {
                    if (l.startsWith("RESULT ") || l.startsWith("WARMUP ")) {
                        lines.add(parse(round, l));
                    }
                }
            } else if (name.endsWith(".time")) {
                String[] w = Files.readString(f).strip().split("\\s+");
                if (w.length >= 4) {
                    try {
                        int n = w.length;
                        processes.put(tag, new Process(tag, round, Double.parseDouble(w[n - 4]) + Double.parseDouble(w[n - 3]),
                                Double.parseDouble(w[n - 2]), Double.parseDouble(w[n - 1]) / 1024));
                    } catch (NumberFormatException e) {
                        // GNU time wrote "Command exited with non-zero status" only: no figures.
                    }
                }
            }
        }
        return new Run(machine, lines, processes, failures);
    }

    /**
     * {@code run} plus every line of {@code csv} (an earlier run's results.csv) whose workload
     * this run has neither figures nor failures for: a run of some workloads then updates those
     * and keeps the rest of an earlier report. Prints which workloads it kept.
     */
    static Run keepFrom(Run run, Path csv) throws IOException {
        Set<String> ran = new TreeSet<>();
        run.lines().forEach(l -> ran.add(l.workload()));
        run.failures().keySet().forEach(t -> ran.add(t.substring(0, t.indexOf('-'))));
        List<String> rows = Files.readAllLines(csv);
        if (rows.isEmpty() || !rows.get(0).startsWith("round,workload,shape,side,phase,iteration,metric,value")) {
            throw new IllegalArgumentException(csv + " is not a results.csv of benchmarks/run (header "
                    + (rows.isEmpty() ? "missing" : rows.get(0)) + ")");
        }
        String[] header = rows.get(0).split(",", -1);
        List<Line> lines = new ArrayList<>(run.lines());
        Set<String> kept = new TreeSet<>();
        for (String row : rows.subList(1, rows.size())) {
            if (row.isBlank()) {
                continue;
            }
            String[] f = row.split(",", -1);
            if (f.length != header.length) {
                throw new IllegalArgumentException(csv + ": " + f.length + " fields where the header has "
                        + header.length + ": " + row);
            }
            if (ran.contains(f[1])) {
                continue;
            }
            Map<String, String> extra = new LinkedHashMap<>();
            for (int i = 8; i < f.length; i++) {
                if (!f[i].isEmpty()) {
                    extra.put(header[i], f[i]);
                }
            }
            lines.add(new Line(Integer.parseInt(f[0]), f[1], f[2], f[3], f[4].equals("warmup"),
                    Integer.parseInt(f[5]), f[6], Double.parseDouble(f[7]), extra));
            kept.add(f[1]);
        }
        System.out.println("report: kept from " + csv + ": " + (kept.isEmpty() ? "nothing" : String.join(" ", kept)));
        return new Run(run.machine(), lines, run.processes(), run.failures());
    }

    static Line parse(int round, String text) {
        String[] words = text.strip().split("\\s+");
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq > 0) {
                kv.put(words[i].substring(0, eq), words[i].substring(eq + 1));
            }
        }
        String metric = kv.remove("metric");
        String value = kv.remove("value");
        if (metric == null || value == null || !kv.containsKey("workload") || !kv.containsKey("side")) {
            throw new IllegalArgumentException("malformed result line (needs workload, side, metric, value): " + text);
        }
        String shape = kv.remove("shape");
        return new Line(round, kv.remove("workload"), shape == null || shape.isEmpty() ? "-" : shape, kv.remove("side"), words[0].equals("WARMUP"), Integer.parseInt(kv.getOrDefault("iter", "0")),
                metric, Double.parseDouble(value), kv);
    }

    private static String csv(Run run) {
        TreeSet<String> keys = new TreeSet<>();
        run.lines().forEach(l -> keys.addAll(l.extra().keySet()));
        keys.remove("iter");
        StringBuilder sb = new StringBuilder("round,workload,shape,side,phase,iteration,metric,value");
        keys.forEach(k -> sb.append(',').append(k));
        sb.append('\n');
        List<Line> sorted = new ArrayList<>(run.lines());
        sorted.sort(Comparator.comparing(Line::workload).thenComparing(l -> shapeOrder(l.shape()))
                .thenComparingInt(Line::round).thenComparing(l -> SIDES.indexOf(l.side()))
                .thenComparing(l -> !l.warmup()).thenComparingInt(Line::iter));
        for (Line l : sorted) {
            sb.append(l.round()).append(',').append(l.workload()).append(',').append(l.shape()).append(',')
                    .append(l.side()).append(',').append(l.warmup() ? "warmup" : "measured").append(',')
                    .append(l.iter()).append(',').append(l.metric()).append(',').append(l.value());
            for (String k : keys) {
                sb.append(',').append(l.extra().getOrDefault(k, ""));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String shapeOrder(String shape) {
        int i = List.of("-", "out", "in", "solo", "pool", "core", "idle").indexOf(shape);
        if (i >= 0) {
            return "0" + i;
        }
        if (shape.startsWith("c")) {
            return "1" + String.format("%08d", Integer.parseInt(shape.substring(1)));
        }
        return "2" + shape;
    }

    /** Small statistics over lists of doubles. */
    static final class Stats {
        private Stats() {
        }

        static double median(List<Double> xs) {
            if (xs.isEmpty()) {
                return Double.NaN;
            }
            List<Double> s = new ArrayList<>(xs);
            s.sort(null);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        static double min(List<Double> xs) {
            return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        static double max(List<Double> xs) {
            return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    static Optional<String> firstFailure(Run run, Predicate<String> tag) {
        return run.failures().entrySet().stream().filter(e -> tag.test(e.getKey())).map(Map.Entry::getValue).findFirst();
    }
}
