package dev.kabuki.benchmarks.suite;

import dev.kabuki.benchmarks.suite.SuiteReport.Run;
import dev.kabuki.benchmarks.suite.SuiteReport.Stats;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.style.Styler;

/**
 * The report's chart: per workload (and shape), kabuki's median ratio to each peer, one bar per
 * peer, on a logarithmic axis where 1 means level and above 1 means kabuki is better. Drawn with
 * XChart into a PNG.
 */
final class RatioChart {
    private RatioChart() {
    }

    /** One bar group: a workload's shape and the metric its ratio is taken on. */
    private record Group(String label, String workload, String shape, String metric) {
    }

    private static final List<String> PEERS = List.of("tokio", "pekko", "jdk", "netty-nio", "netty-epoll", "pekko-tcp",
            "pekko-aeron");
    private static final Color[] COLORS = {
            new Color(0xCE, 0x42, 0x2B), new Color(0x2B, 0x6C, 0xB0), new Color(0x55, 0x8B, 0x2F),
            new Color(0x8E, 0x44, 0xAD), new Color(0xE6, 0x9F, 0x00), new Color(0x1A, 0x9E, 0x9E),
            new Color(0x7F, 0x7F, 0x7F)};

    static void write(Run run, Path png) throws IOException {
        List<Group> groups = new ArrayList<>();
        for (String w : List.of("W1", "W2", "W3a", "W3b", "W4a", "W4b", "W5", "W6", "W7", "W9", "R1", "R2", "R0")) {
            for (String shape : run.shapes(w)) {
                String metric = switch (w) {
                    case "W3b" -> "bytes_per_actor";
                    case "W6" -> "ms";
                    case "R0" -> "idle_cpu";
                    default -> "rate";
                };
                String label = w.equals("R0") ? "Ridle CPU" : w + (shape.equals("-") ? "" : " " + shape.replace("c", "C"))
                        + (w.equals("W3b") ? " mem" : "");
                groups.add(new Group(label, w, shape, metric));
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(520)
                .title("kabuki ÷ peer, median of rounds (above 1 = kabuki better; log scale)")
                .xAxisTitle("workload").yAxisTitle("ratio").build();
        Styler st = chart.getStyler();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setAvailableSpaceFill(0.8);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setYAxisDecimalPattern("0.##");
        st.setChartBackgroundColor(Color.WHITE);
        List<String> labels = groups.stream().map(Group::label).toList();
        int colour = 0;
        boolean any = false;
        for (String peer : PEERS) {
            List<Double> ys = new ArrayList<>();
            boolean has = false;
            for (Group g : groups) {
                List<Double> rs = run.ratios(g.workload(), g.shape(), peer, g.metric());
                // XChart draws no bar for a missing value only on a linear axis; on the log axis a
                // tiny value stands in for "not measured" and stays below the visible range.
                ys.add(rs.isEmpty() ? 1e-9 : Stats.median(rs));
                has |= !rs.isEmpty();
            }
            if (has) {
                chart.addSeries(Catalog.SIDE_NAMES.get(peer), labels, ys).setFillColor(COLORS[colour % COLORS.length]);
                any = true;
            }
            colour++;
        }
        if (!any) {
            chart.addSeries("no ratios measured", List.of("-"), List.of(1.0));
        } else {
            // Bars grow from the axis floor; the line marks where kabuki and the peer are level.
            CategorySeries level = chart.addSeries("level (1)", labels, labels.stream().map(l -> 1.0).toList());
            level.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            level.setLineColor(Color.BLACK);
            level.setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsRotation(90);
        chart.getStyler().setYAxisMin(0.1);
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
