package io.nodemesh.proxy.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.TrafficReport;
import io.nodemesh.proxy.config.ControllerHttp;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/**
 * Sends a {@link TrafficReport} to {@code POST {controller}/api/v1/report} every {@link #INTERVAL}:
 * the difference between the proxy's meters now and at the last report the controller accepted, so
 * a refused or lost report is folded into the next one. Runs on its own virtual thread; reading the
 * meters costs one pass over the registry per interval, nothing on the request path.
 */
public final class TrafficReporter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TrafficReporter.class.getName());

  /** How often a proxy reports; the controller's window is twelve of these. */
  public static final Duration INTERVAL = Duration.ofSeconds(5);

  /** The path reports go to on the controller. */
  public static final String PATH = "/api/v1/report";

  private static final long ANSWER_BYTES = 64 * 1024;

  private final URI endpoint;
  private final String node;
  private final Path tokenFile;
  private final MeterRegistry registry;
  private final LongSupplier version;
  private final Duration interval;
  private final ControllerHttp http;
  private final String path;
  private TrafficCounts acked;
  private boolean failing;
  private volatile boolean closed;
  private volatile Thread thread;

  /**
   * @param controller base URL of the controller API
   * @param node the name sent in the report and as {@code X-Nodemesh-Node}
   * @param tokenFile the bearer token file (read for every report), or null
   * @param tls the controller's pinned trust for {@code https}, or null
   */
  public TrafficReporter(
      URI controller,
      String node,
      Path tokenFile,
      SSLContext tls,
      MeterRegistry registry,
      LongSupplier version,
      Duration interval) {
    this.endpoint =
        URI.create(
            Objects.requireNonNull(controller, "controller").toString().replaceAll("/+$", "")
                + PATH);
    this.node = Objects.requireNonNull(node, "node");
    this.tokenFile = tokenFile;
    this.registry = registry;
    this.version = version;
    this.interval = interval;
    this.path = controller.getRawPath().replaceAll("/+$", "") + PATH;
    this.http = new ControllerHttp(controller, tls);
  }

  public void start() {
    thread = Thread.ofVirtual().name("nodemesh-traffic-report").start(this::run);
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(interval);
        reportOnce();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Sends one report; true when the controller accepted it. */
  boolean reportOnce() throws InterruptedException {
    TrafficCounts now = TrafficCounts.read(registry);
    byte[] body;
    try {
      body =
          MeshConfigJson.mapper()
              .writeValueAsBytes(now.since(acked, node, version.getAsLong(), rss(), cpuSeconds()));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      fail("cannot build a traffic report: " + e.getMessage());
      return false;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("X-Nodemesh-Node", node);
    int status;
    try {
      if (tokenFile != null) {
        headers.put("Authorization", "Bearer " + Files.readString(tokenFile).strip());
      }
      try (ControllerHttp.Response res =
          http.exchange("POST", path, headers, body, Duration.ofSeconds(10))) {
        // The answer is read (to a bound) so that the connection is kept for the next report.
        res.body().skip(ANSWER_BYTES);
        status = res.status();
      }
      if (status / 100 == 2) {
        acked = now;
        if (failing) {
          LOG.log(Level.INFO, "traffic reports accepted again by {0}", endpoint);
          failing = false;
        }
        return true;
      }
      fail("the controller answered a traffic report with HTTP " + status);
    } catch (IOException | IllegalArgumentException e) {
      fail("cannot send a traffic report to " + endpoint + ": " + e.getMessage());
    }
    return false;
  }

  /** Logged once per outage: the report is folded into the next one. */
  private void fail(String message) {
    if (!failing) {
      LOG.log(Level.INFO, message + " (the counts go into the next report)");
      failing = true;
    }
  }

  /** Resident set size from {@code /proc/self/status} (Linux, proc(5)), -1 elsewhere. */
  static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no procfs: unknown
    }
    return -1;
  }

  static double cpuSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long nanos = os.getProcessCpuTime();
      return nanos < 0 ? -1 : nanos / 1e9;
    }
    return -1;
  }

  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    http.close();
  }
}
