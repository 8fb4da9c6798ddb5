package io.nodemesh.bench;

import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.TrafficReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the {@code /ui} page's aggregation (issue 18): a controller in its own JVM with
 * SERVICES meshed Services, PROXIES simulated node proxies each posting a {@link TrafficReport}
 * every five seconds (as {@code TrafficReporter} does) with ROWS Services of traffic, one per
 * backend and caller, and a page polling {@code /api/v1/traffic} every two seconds. After a warm-up
 * of a minute (the window fills), measures for SECONDS: the controller's CPU (from {@code
 * /proc/PID/stat}, so only the controller's process), its RSS, its heap after a full GC, the time
 * to answer a report and to build the page's data, and the size of each. Prints one line {@code
 * bench=traffic-report key=value ...}.
 *
 * <p>Usage: {@code TrafficReportLoad [SERVICES [PROXIES [ROWS [SECONDS]]]]}, default 1000 100 1000
 * 60: every proxy sees traffic to every Service, the worst case.
 */
public final class TrafficReportLoad {
  private TrafficReportLoad() {}

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int proxies = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 60;
    Path dir = Files.createTempDirectory("nodemesh-traffic-bench");
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < services; i++) {
      yaml.append(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: s%d, namespace: bench}
          spec: {ports: [{name: http, port: 80}]}
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: s%d, namespace: bench, labels: {kubernetes.io/service-name: s%d}}
          addressType: IPv4
          ports: [{name: http, port: 8080}]
          endpoints: [{addresses: ["10.0.%d.%d"], conditions: {ready: true}}]
          ---
          """
              .formatted(i, i, i, i / 250, 1 + i % 250));
    }
    Files.writeString(dir.resolve("world.yaml"), yaml);
    Process controller =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                ForkedController.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("port ")) {
        throw new IllegalStateException("the controller did not start: " + line);
      }
      String base = "http://127.0.0.1:" + line.substring(5);
      run(controller.pid(), base, services, proxies, rows, seconds);
    } finally {
      controller.getOutputStream().close();
      controller.waitFor(10, TimeUnit.SECONDS);
      controller.destroyForcibly();
    }
  }

  private static void run(long pid, String base, int services, int proxies, int rows, int seconds)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // Reports are encoded once: the cost measured is the controller's, not this JVM's.
    List<Double> bounds =
        List.of(
            0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            60.0);
    List<byte[]> bodies = new ArrayList<>();
    for (int p = 0; p < proxies; p++) {
      List<TrafficReport.Requests> req = new ArrayList<>();
      List<TrafficReport.Latency> lat = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        String listener = "bench/s" + ((p + r) % services) + ":80";
        req.add(new TrafficReport.Requests(listener, "s" + ((p + r) % services), "unknown", 50, 1));
        List<Long> counts = new ArrayList<>(Collections.nCopies(bounds.size() + 1, 0L));
        counts.set(3, 40L);
        counts.set(6, 10L);
        lat.add(new TrafficReport.Latency(listener, "s" + ((p + r) % services), counts));
      }
      bodies.add(
          MeshConfigJson.mapper()
              .writeValueAsBytes(
                  new TrafficReport("node-" + p, 1, 200L << 20, p, bounds, req, lat, List.of())));
    }
    int reportBytes = bodies.isEmpty() ? 0 : bodies.getFirst().length;
    URI report = URI.create(base + "/api/v1/report");
    List<Long> reportNanos = new CopyOnWriteArrayList<>();
    List<Long> viewNanos = new CopyOnWriteArrayList<>();
    int[] viewBytes = {0};
    long interval = Duration.ofSeconds(5).toNanos();
    long warmup = Duration.ofSeconds(60).toNanos();
    long start = System.nanoTime();
    long end = start + warmup + Duration.ofSeconds(seconds).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < proxies; p++) {
      byte[] body = bodies.get(p);
      long offset = interval * p / proxies;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (long next = start + offset; next < end; next += interval) {
                      sleepUntil(next);
                      long t0 = System.nanoTime();
                      int status = post(http, report, body);
                      if (status != 204) {
                        throw new IllegalStateException("report answered " + status);
                      }
                      if (t0 > start + warmup) {
                        reportNanos.add(System.nanoTime() - t0);
                      }
                    }
                  }));
    }
    threads.add(
        Thread.ofVirtual()
            .start(
                () -> {
                  for (long next = start; next < end; next += Duration.ofSeconds(2).toNanos()) {
                    sleepUntil(next);
                    long t0 = System.nanoTime();
                    byte[] b = get(http, URI.create(base + "/api/v1/traffic"));
                    if (t0 > start + warmup) {
                      viewNanos.add(System.nanoTime() - t0);
                      viewBytes[0] = b.length;
                    }
                  }
                }));
    sleepUntil(start + warmup);
    double cpu0 = cpuSeconds(pid);
    long t0 = System.nanoTime();
    for (Thread t : threads) {
      t.join();
    }
    double cpu1 = cpuSeconds(pid);
    double wall = (System.nanoTime() - t0) / 1e9;
    long rss = rss(pid);
    new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
            Long.toString(pid),
            "GC.run")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor(30, TimeUnit.SECONDS);
    double heap = heapUsed(http, base);
    System.out.printf(
        Locale.ROOT,
        "bench=traffic-report services=%d proxies=%d rows_per_report=%d report_bytes=%d"
            + " reports_per_s=%.1f controller_cpu_cores=%.3f controller_rss_mib=%.0f"
            + " heap_after_gc_mib=%.1f report_p50_ms=%.2f report_p99_ms=%.2f view_p50_ms=%.1f"
            + " view_max_ms=%.1f view_bytes=%d seconds=%.0f%n",
        services,
        proxies,
        rows,
        reportBytes,
        reportNanos.size() / wall,
        (cpu1 - cpu0) / wall,
        rss / 1048576.0,
        heap / 1048576.0,
        quantile(reportNanos, 0.5),
        quantile(reportNanos, 0.99),
        quantile(viewNanos, 0.5),
        quantile(viewNanos, 1.0),
        viewBytes[0],
        wall);
  }

  private static void sleepUntil(long nanos) {
    long d = nanos - System.nanoTime();
    if (d > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(d);
    }
  }

  private static int post(HttpClient http, URI uri, byte[] body) {
    try {
      return http.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static byte[] get(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray())
          .body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new byte[0];
    }
  }

  /** utime + stime of a process, proc(5), in seconds (USER_HZ is 100 on Linux). */
  static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  static long rss(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.substring(6).trim().split("\\s+")[0]) * 1024;
      }
    }
    return -1;
  }

  private static double heapUsed(HttpClient http, String base) {
    double sum = 0;
    String metrics = new String(get(http, URI.create(base + "/metrics")), StandardCharsets.UTF_8);
    for (String l : metrics.split("\n")) {
      if (l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\"")) {
        sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static double quantile(List<Long> nanos, double q) {
    if (nanos.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size()))) / 1e6;
  }
}
