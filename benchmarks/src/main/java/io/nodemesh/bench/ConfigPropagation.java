package io.nodemesh.bench;

import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.ConfigHub;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Config change to every proxy routing by it: one controller, N node proxies long-polling it (each
 * on its own loopback address, 127.0.0.2 and up), a cluster held in memory. Each round replaces one
 * pod of one Service and times how long until every proxy has swapped in a routing table of that
 * version (the next request it routes uses the new endpoints). Five unrecorded changes come first.
 * Prints one {@code bench=config-propagation ...} line per delivery mode.
 *
 * <p>Delivery {@code delta} is the default protocol (a proxy gets what changed since the version it
 * holds); {@code full} makes the controller keep no history, so every proxy downloads the whole
 * (gzipped) config for every change, as before deltas existed; {@code both} measures the two side
 * by side in one run. With {@code --fork} each proxy runs in a JVM of its own ({@link
 * ForkedProxy}): ten proxies of 10,000 listeners each need more file descriptors than one process
 * may open.
 *
 * <p>Usage: {@code ConfigPropagation [--proxies N] [--services N] [--changes N] [--delivery
 * delta|full|both] [--fork]}.
 */
public final class ConfigPropagation {
  /**
   * The measured distribution, in milliseconds, of the slowest proxy of each change, and the median
   * time until the controller had published it.
   */
  public record Result(
      int proxies,
      int services,
      int changes,
      Delivery delivery,
      double p50Millis,
      double p99Millis,
      double maxMillis,
      double controllerP50Millis) {
    public String line() {
      return String.format(
          Locale.ROOT,
          "bench=config-propagation proxies=%d services=%d changes=%d delivery=%s all_p50_ms=%.1f"
              + " all_p99_ms=%.1f all_max_ms=%.1f controller_p50_ms=%.1f",
          proxies,
          services,
          changes,
          delivery.name().toLowerCase(Locale.ROOT),
          p50Millis,
          p99Millis,
          maxMillis,
          controllerP50Millis);
    }
  }

  /** How the controller sends a change. */
  public enum Delivery {
    /** What changed since the version the proxy holds. */
    DELTA,
    /** The whole config every time (a controller that keeps no history). */
    FULL
  }

  /** The system property that sets the controller's config history; 0 turns deltas off. */
  static final String HISTORY_PROPERTY = ConfigHub.HISTORY_PROPERTY;

  /** Changes made, and not recorded, before the measured ones. */
  static final int WARMUP_CHANGES = 5;

  private ConfigPropagation() {}

  public static void main(String[] args) {
    int proxies = 10;
    int services = 100;
    int changes = 50;
    boolean fork = false;
    List<Delivery> deliveries = List.of(Delivery.DELTA);
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("--fork")) {
        fork = true;
        continue;
      }
      if (i + 1 >= args.length) {
        usage("option " + option + " needs a value");
      }
      String value = args[++i];
      switch (option) {
        case "--proxies" -> proxies = Integer.parseInt(value);
        case "--services" -> services = Integer.parseInt(value);
        case "--changes" -> changes = Integer.parseInt(value);
        case "--delivery" ->
            deliveries =
                switch (value) {
                  case "delta" -> List.of(Delivery.DELTA);
                  case "full" -> List.of(Delivery.FULL);
                  // Deltas first: proxies in this JVM share its JIT, so what warm-up leaves to
                  // gain goes to whole configs.
                  case "both" -> List.of(Delivery.DELTA, Delivery.FULL);
                  default -> {
                    usage("--delivery is delta, full or both, not " + value);
                    yield List.of();
                  }
                };
        default -> usage("unknown option " + option);
      }
    }
    for (Delivery d : deliveries) {
      System.out.println(measure(proxies, services, changes, d, fork).line());
      System.out.flush();
    }
    System.exit(0);
  }

  private static void usage(String problem) {
    System.err.println("ConfigPropagation: " + problem);
    System.exit(2);
  }

  /** Proxies in this JVM, deltas on. */
  public static Result measure(int proxyCount, int services, int changes) {
    return measure(proxyCount, services, changes, Delivery.DELTA, false);
  }

  public static Result measure(
      int proxyCount, int services, int changes, Delivery delivery, boolean fork) {
    SyntheticCluster cluster = new SyntheticCluster(services, 3, services / 10);
    MemorySource source = new MemorySource(cluster.objects());
    int target = services / 2;
    int sliceIndex = source.indexOf(SyntheticMesh.service(target) + "-abcde");
    ControllerOptions options =
        new ControllerOptions(
            null,
            "mesh",
            "127.0.0.1",
            0,
            new PortRange(20000, 39999),
            new PortRange(40000, 44999),
            new PortRange(45000, 49999),
            null,
            null,
            false,
            "bench",
            null,
            null);
    // Startup at 10,000 Services means ten proxies fetching and binding 10,000 listeners each.
    Duration startup = Duration.ofSeconds(Math.max(30, services / 50));
    Duration perChange = Duration.ofSeconds(Math.max(10, services / 500));
    List<LongSupplier> applied = new ArrayList<>();
    List<AutoCloseable> running = new ArrayList<>();
    String history = System.getProperty(HISTORY_PROPERTY);
    if (delivery == Delivery.FULL) {
      System.setProperty(HISTORY_PROPERTY, "0");
    }
    try (Controller controller = Controller.start(options, source, null)) {
      URI api = URI.create("http://127.0.0.1:" + controller.apiPort());
      for (int i = 0; i < proxyCount; i++) {
        String host = "127.0.0." + (2 + i);
        if (fork) {
          Forked f = Forked.start(api, host, "node-" + i);
          running.add(f);
          applied.add(f.applied::get);
        } else {
          NodeProxy p = NodeProxy.start(new ProxyOptions(api, host, 0, -1, "node-" + i, 1));
          running.add(p);
          applied.add(p::appliedVersion);
        }
      }
      awaitAll(applied, controller.currentConfig().version(), startup);
      double[] all = new double[changes];
      // The part of each change spent before the controller publishes it (debounce and compile).
      double[] published = new double[changes];
      // Unrecorded changes first, so that the recorded ones run on compiled code in every mode
      // (and the second mode of a run gets no head start from the first one's warm-up).
      int generation = 0;
      for (int w = 0; w < WARMUP_CHANGES; w++) {
        long before = controller.currentConfig().version();
        source.replace(sliceIndex, cluster.slice(target, ++generation));
        awaitAll(applied, awaitNewVersion(controller, before, perChange), perChange);
      }
      for (int c = 0; c < changes; c++) {
        long before = controller.currentConfig().version();
        long t0 = System.nanoTime();
        source.replace(sliceIndex, cluster.slice(target, ++generation));
        long version = awaitNewVersion(controller, before, perChange);
        published[c] = (System.nanoTime() - t0) / 1e6;
        awaitAll(applied, version, perChange);
        all[c] = (System.nanoTime() - t0) / 1e6;
      }
      double[] sorted = all.clone();
      Arrays.sort(sorted);
      Arrays.sort(published);
      return new Result(
          proxyCount,
          services,
          changes,
          delivery,
          percentile(sorted, 0.50),
          percentile(sorted, 0.99),
          sorted[sorted.length - 1],
          percentile(published, 0.50));
    } finally {
      for (AutoCloseable r : running) {
        try {
          r.close();
        } catch (Exception e) {
          System.err.println("ConfigPropagation: stopping a proxy: " + e);
        }
      }
      if (history == null) {
        System.clearProperty(HISTORY_PROPERTY);
      } else {
        System.setProperty(HISTORY_PROPERTY, history);
      }
    }
  }

  /** A {@link ForkedProxy} child and the last version it reported. */
  private record Forked(Process process, AtomicLong applied) implements AutoCloseable {
    static Forked start(URI api, String host, String node) {
      List<String> cmd =
          List.of(
              ProcessHandle.current().info().command().orElse("java"),
              "--enable-native-access=ALL-UNNAMED",
              "-Xmx512m",
              "-Djava.util.logging.config.file=/dev/null",
              "-cp",
              System.getProperty("java.class.path"),
              ForkedProxy.class.getName(),
              api.toString(),
              host,
              node);
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start a forked proxy", e);
      }
      Forked f = new Forked(p, new AtomicLong(-1));
      Thread.ofPlatform()
          .daemon()
          .name("forked-" + node)
          .start(
              () -> {
                try (BufferedReader r = p.inputReader(StandardCharsets.UTF_8)) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith("applied ")) {
                      f.applied.set(Long.parseLong(line.substring(8).trim()));
                    }
                  }
                } catch (IOException e) {
                  // the child is gone; awaitAll reports the version it is stuck at
                }
              });
      return f;
    }

    @Override
    public void close() throws InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // already closed
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static long awaitNewVersion(Controller controller, long before, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (controller.currentConfig().version() == before) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("controller compiled no new version within " + limit);
      }
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
    }
    return controller.currentConfig().version();
  }

  private static void awaitAll(List<LongSupplier> proxies, long version, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    for (LongSupplier p : proxies) {
      while (p.getAsLong() < version) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "a proxy still has version " + p.getAsLong() + " after " + limit);
        }
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
      }
    }
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
