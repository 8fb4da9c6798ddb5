package io.nodemesh.bench;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.Controller;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.PortRange;
import io.nodemesh.proxy.NodeProxy;
import io.nodemesh.proxy.ProxyOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Config change to every proxy routing by it: one controller, N node proxies long-polling it (each
 * on its own loopback address, 127.0.0.2 and up), a cluster held in memory. Each round replaces one
 * pod of one Service and times how long until every proxy has swapped in a routing table of that
 * version (the next request it routes uses the new endpoints). Prints one {@code
 * bench=config-propagation ...} line.
 *
 * <p>Usage: {@code ConfigPropagation [--proxies N] [--services N] [--changes N]}.
 */
public final class ConfigPropagation {
  /** The measured distribution, in milliseconds, of the slowest proxy of each change. */
  public record Result(
      int proxies, int services, int changes, double p50Millis, double p99Millis, double maxMillis) {
    public String line() {
      return String.format(
          Locale.ROOT,
          "bench=config-propagation proxies=%d services=%d changes=%d all_p50_ms=%.1f"
              + " all_p99_ms=%.1f all_max_ms=%.1f",
          proxies,
          services,
          changes,
          p50Millis,
          p99Millis,
          maxMillis);
    }
  }

  private ConfigPropagation() {}

  public static void main(String[] args) {
    int proxies = 10;
    int services = 100;
    int changes = 50;
    for (int i = 0; i + 1 < args.length; i += 2) {
      int v = Integer.parseInt(args[i + 1]);
      switch (args[i]) {
        case "--proxies" -> proxies = v;
        case "--services" -> services = v;
        case "--changes" -> changes = v;
        default -> {
          System.err.println("ConfigPropagation: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    System.out.println(measure(proxies, services, changes).line());
    System.exit(0);
  }

  public static Result measure(int proxyCount, int services, int changes) {
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
            new PortRange(21000, 29999),
            new PortRange(30000, 30999),
            new PortRange(31000, 31999),
            null,
            null,
            false,
            "bench",
            null,
            null);
    List<NodeProxy> proxies = new ArrayList<>();
    try (Controller controller = Controller.start(options, source, null)) {
      URI api = URI.create("http://127.0.0.1:" + controller.apiPort());
      for (int i = 0; i < proxyCount; i++) {
        proxies.add(
            NodeProxy.start(
                new ProxyOptions(api, "127.0.0." + (2 + i), 0, -1, "node-" + i, 1)));
      }
      awaitAll(proxies, controller.currentConfig().version(), Duration.ofSeconds(30));
      double[] all = new double[changes];
      for (int c = 0; c < changes; c++) {
        long before = controller.currentConfig().version();
        long t0 = System.nanoTime();
        source.replace(sliceIndex, cluster.slice(target, c + 1));
        long version = awaitNewVersion(controller, before, Duration.ofSeconds(10));
        awaitAll(proxies, version, Duration.ofSeconds(10));
        all[c] = (System.nanoTime() - t0) / 1e6;
      }
      double[] sorted = all.clone();
      Arrays.sort(sorted);
      return new Result(
          proxyCount,
          services,
          changes,
          percentile(sorted, 0.50),
          percentile(sorted, 0.99),
          sorted[sorted.length - 1]);
    } finally {
      proxies.forEach(NodeProxy::close);
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

  private static void awaitAll(List<NodeProxy> proxies, long version, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    for (NodeProxy p : proxies) {
      while (p.appliedVersion() < version) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "a proxy still has version " + p.appliedVersion() + " after " + limit);
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
