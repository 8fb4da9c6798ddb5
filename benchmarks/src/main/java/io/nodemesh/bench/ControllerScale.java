package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.api.ConfigApi;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyIndexer;
import io.nodemesh.smi.TrafficSplit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * The controller scale benchmark: for synthetic clusters of growing size (with one running pod per
 * endpoint), the time of a full compile (source snapshot to config, as at start-up), of one-object
 * changes of four kinds (see {@link Change}) as the controller applies them and, on the same input,
 * from scratch, the heap the controller holds afterwards, and the size of the config each proxy
 * downloads, in full and as a delta for one endpoint change. Prints one {@code
 * bench=controller-scale key=value...} line per size and one {@code bench=controller-change ...}
 * line per size and kind of change.
 *
 * <p>Usage: {@code ControllerScale [SERVICES:ENDPOINTS_PER_SERVICE:SPLITS ...] [--rounds N]
 * [--acl]}; {@code --acl} compiles in ACL mode, with two TrafficTargets per split (see {@link
 * SyntheticCluster#accessObjects}), and prints only the change lines.
 */
public final class ControllerScale {
  /** The kinds of one-object change measured, in order. */
  public static final List<String> CHANGES =
      List.of("endpoint", "service-add", "split-weight", "pod-add");

  /** One measured size. {@code oneChange*} are the incremental endpoint change. */
  public record Result(
      int services,
      int endpoints,
      int splits,
      int listeners,
      double fullCompileMillis,
      double fullCompileColdMillis,
      double fullCompileCpuMillis,
      double oneChangeMillis,
      double oneChangeMaxMillis,
      double oneChangeCpuMillis,
      double snapshotMillis,
      double topologyMillis,
      double heapMib,
      long configBytes,
      long configGzipBytes,
      long deltaBytes,
      long deltaGzipBytes,
      int pods,
      boolean acl,
      List<Change> changes) {
    /** The machine-readable line. */
    public String line() {
      return String.format(
          Locale.ROOT,
          "bench=controller-scale services=%d endpoints=%d splits=%d listeners=%d"
              + " full_compile_ms=%.1f full_compile_cold_ms=%.1f full_compile_cpu_ms=%.1f"
              + " one_change_ms=%.1f one_change_max_ms=%.1f one_change_cpu_ms=%.1f"
              + " snapshot_ms=%.1f topology_ms=%.1f heap_mib=%.1f"
              + " config_bytes=%d config_gzip_bytes=%d config_wire_bytes=%d"
              + " delta_bytes=%d delta_gzip_bytes=%d delta_wire_bytes=%d",
          services,
          endpoints,
          splits,
          listeners,
          fullCompileMillis,
          fullCompileColdMillis,
          fullCompileCpuMillis,
          oneChangeMillis,
          oneChangeMaxMillis,
          oneChangeCpuMillis,
          snapshotMillis,
          topologyMillis,
          heapMib,
          configBytes,
          configGzipBytes,
          wire(configBytes, configGzipBytes),
          deltaBytes,
          deltaGzipBytes,
          wire(deltaBytes, deltaGzipBytes));
    }

    /** What the config API sends a proxy that accepts gzip: small bodies go as they are. */
    static long wire(long bytes, long gzipBytes) {
      return bytes < ConfigApi.GZIP_MIN_BYTES ? bytes : gzipBytes;
    }

    /** One {@code bench=controller-change} line per kind of change. */
    public List<String> changeLines() {
      return changes.stream()
          .map(
              c ->
                  String.format(
                      Locale.ROOT,
                      "bench=controller-change services=%d endpoints=%d splits=%d pods=%d"
                          + " acl=%s change=%s incremental_ms=%.2f incremental_max_ms=%.1f"
                          + " incremental_cpu_ms=%.2f scratch_ms=%.1f scratch_cpu_ms=%.1f"
                          + " cpu_speedup=%.1f",
                      services,
                      endpoints,
                      splits,
                      pods,
                      acl ? "on" : "off",
                      c.kind(),
                      c.incrementalMillis(),
                      c.incrementalMaxMillis(),
                      c.incrementalCpuMillis(),
                      c.scratchMillis(),
                      c.scratchCpuMillis(),
                      c.scratchCpuMillis() / Math.max(c.incrementalCpuMillis(), 0.001)))
          .toList();
    }
  }

  /**
   * One kind of one-object change, medians over its rounds: applied as the controller applies it
   * (an incremental topology and compile, from the snapshot on) and, on the same input, compiled
   * from scratch (a new topology and no memo: the controller before the incremental compile, less
   * its endpoint memo). The two results are checked to be equal.
   *
   * @param kind {@code endpoint} (one pod of one Service's EndpointSlice replaced), {@code
   *     service-add} (a new Service), {@code split-weight} (one TrafficSplit's weights changed) or
   *     {@code pod-add} (a new running pod)
   */
  public record Change(
      String kind,
      double incrementalMillis,
      double incrementalMaxMillis,
      double incrementalCpuMillis,
      double scratchMillis,
      double scratchCpuMillis) {}

  private ControllerScale() {}

  public static void main(String[] args) {
    List<SyntheticCluster> sizes = new ArrayList<>();
    int rounds = 5;
    boolean acl = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--acl")) {
        acl = true;
        continue;
      }
      if (args[i].equals("--rounds") && i + 1 < args.length) {
        rounds = Integer.parseInt(args[++i]);
        continue;
      }
      String[] p = args[i].split(":");
      if (p.length != 3) {
        System.err.println(
            "ControllerScale: '" + args[i] + "' is not SERVICES:ENDPOINTS_PER_SERVICE:SPLITS");
        System.exit(2);
      }
      sizes.add(
          new SyntheticCluster(
              Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])));
    }
    if (sizes.isEmpty()) {
      sizes =
          List.of(
              new SyntheticCluster(100, 10, 10),
              new SyntheticCluster(1000, 10, 100),
              new SyntheticCluster(10000, 10, 1000));
    }
    for (SyntheticCluster c : sizes) {
      Result r = measure(c, rounds, acl);
      if (!acl) {
        // The scale line is about the default mode; with --acl only the changes are new.
        System.out.println(r.line());
      }
      r.changeLines().forEach(System.out::println);
      System.out.flush();
    }
  }

  /**
   * Measures one size: {@code rounds} full compiles, then {@code 2 * rounds} changes of each kind,
   * each timed incrementally and from scratch in turn.
   */
  public static Result measure(SyntheticCluster cluster, int rounds) {
    return measure(cluster, rounds, false);
  }

  /** {@link #measure(SyntheticCluster, int)}, in ACL mode when {@code acl}. */
  public static Result measure(SyntheticCluster cluster, int rounds, boolean acl) {
    CompileSettings settings = SyntheticCluster.settings(acl);
    List<HasMetadata> objects = new ArrayList<>(cluster.objects());
    if (acl) {
      objects.addAll(cluster.accessObjects());
    }
    int pods = cluster.services() * cluster.endpointsPerService();
    objects.addAll(cluster.pods());
    int half = cluster.services() / 2;
    if (acl) {
      // The endpoint change is a pod replaced, and a rollout starts the new pod before the slice
      // names it. In ACL mode an endpoint must be a live pod of its namespace (issue 13), so the
      // pods it moves to exist from the start.
      int last = half * cluster.endpointsPerService() + cluster.endpointsPerService() - 1;
      for (int g = 1; g <= rounds * 2; g++) {
        objects.add(SyntheticCluster.pod(half, last + g * pods));
      }
    }
    // Wall time is what the target is about; the thread's CPU time is what is left of it when
    // other processes compete for the CPU (a shared machine), so both are reported.
    double[] full = new double[rounds];
    double[] fullCpu = new double[rounds];
    CompileResult result = null;
    for (int r = 0; r < rounds; r++) {
      Timed<CompileResult> t =
          timed(() -> scratch(objects, settings, null, PortAllocation.empty()));
      result = t.value();
      full[r] = t.millis();
      fullCpu[r] = t.cpuMillis();
    }
    // As the controller does: one indexer and one memo across compilations, primed by a first one.
    Incremental controller = new Incremental(objects, settings);
    result = controller.compile(null, result);
    int sliceIndex = indexOf(objects, SyntheticMesh.service(half) + "-abcde");
    int splitIndex = indexOf(objects, "split-0");
    int freeIp = pods * 2;
    List<Change> changes = new ArrayList<>();
    MeshConfig beforeEndpointChange = null;
    MeshConfig afterEndpointChange = null;
    for (String kind : CHANGES) {
      if (kind.equals("split-weight") && splitIndex < 0) {
        continue;
      }
      double[] inc = new double[rounds * 2];
      double[] incCpu = new double[rounds * 2];
      double[] scr = new double[rounds * 2];
      double[] scrCpu = new double[rounds * 2];
      for (int r = 0; r < inc.length; r++) {
        HasMetadata changed =
            switch (kind) {
              case "endpoint" -> cluster.slice(half, r + 1);
              case "service-add" -> SyntheticCluster.service(cluster.services() + r);
              case "split-weight" -> SyntheticCluster.split(0, 89 - r % 80);
              default -> SyntheticCluster.pod(half, freeIp++);
            };
        switch (kind) {
          case "endpoint" -> objects.set(sliceIndex, changed);
          case "split-weight" -> objects.set(splitIndex, changed);
          default -> objects.add(changed);
        }
        CompileResult before = result;
        Supplier<CompileResult> fromScratch =
            () -> scratch(objects, settings, before.config(), before.allocation());
        // Alternate which goes first, so that neither always pays for the other's garbage.
        Timed<CompileResult> s = r % 2 == 1 ? timed(fromScratch) : null;
        Timed<CompileResult> i = timed(() -> controller.compile(changed, before));
        s = s == null ? timed(fromScratch) : s;
        if (!i.value().equals(s.value())) {
          throw new IllegalStateException(kind + ": the incremental compile differs from scratch");
        }
        inc[r] = i.millis();
        incCpu[r] = i.cpuMillis();
        scr[r] = s.millis();
        scrCpu[r] = s.cpuMillis();
        result = i.value();
        if (kind.equals("endpoint")) {
          beforeEndpointChange = before.config();
          afterEndpointChange = result.config();
        }
      }
      changes.add(
          new Change(
              kind,
              median(inc),
              Arrays.stream(inc).max().orElse(0),
              median(incCpu),
              median(scr),
              median(scrCpu)));
    }
    // Where a compile from scratch spends its time before the compiler proper: copying the
    // source's lists, then indexing them into a topology.
    double[] snapshot = new double[rounds];
    double[] topology = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      SourceSnapshot s = SourceSnapshot.of(objects);
      long t1 = System.nanoTime();
      Topology.from(s, List.of());
      long t2 = System.nanoTime();
      snapshot[r] = (t1 - t0) / 1e6;
      topology[r] = (t2 - t1) / 1e6;
    }
    byte[] json = MeshConfigJson.write(result.config()).getBytes(StandardCharsets.UTF_8);
    double heap = usedHeapMib();
    // Keep what a controller keeps (its sources' objects, its indexes and memo, the config, the
    // served bytes) alive across the heap measurement.
    if (objects.isEmpty() || json.length == 0 || controller.memo == null) {
      throw new IllegalStateException("nothing compiled");
    }
    Change endpoint = changes.get(0);
    // What a proxy holding the config before the last endpoint change downloads for it.
    byte[] delta =
        MeshConfigDelta.between(beforeEndpointChange, afterEndpointChange)
            .map(MeshConfigJson::writeBytes)
            .orElseThrow(() -> new IllegalStateException("no delta for a one-object change"));
    return new Result(
        cluster.services(),
        cluster.services() * cluster.endpointsPerService(),
        cluster.splits(),
        result.config().listeners().size(),
        median(Arrays.copyOfRange(full, Math.min(1, rounds - 1), rounds)),
        full[0],
        median(Arrays.copyOfRange(fullCpu, Math.min(1, rounds - 1), rounds)),
        endpoint.incrementalMillis(),
        endpoint.incrementalMaxMillis(),
        endpoint.incrementalCpuMillis(),
        median(snapshot),
        median(topology),
        heap,
        json.length,
        gzip(json),
        delta.length,
        gzip(delta),
        pods,
        acl,
        List.copyOf(changes));
  }

  /**
   * The controller: a source that keeps a list per kind and, on an event, copies the list of that
   * kind only (as {@code InformerSource} does); the compile thread's indexer and memo.
   */
  private static final class Incremental {
    private final TopologyIndexer indexer = new TopologyIndexer();
    private final MeshCompiler memo;
    private SourceSnapshot source;

    Incremental(List<HasMetadata> objects, CompileSettings settings) {
      this.source = SourceSnapshot.of(objects);
      this.memo = new MeshCompiler(settings);
    }

    /** Applies an added or replaced object (or none) and compiles. */
    CompileResult compile(HasMetadata changed, CompileResult previous) {
      SourceSnapshot s = source;
      source =
          switch (changed) {
            case null -> s;
            case Service o ->
                new SourceSnapshot(
                    upsert(s.services(), o),
                    s.endpointSlices(),
                    s.pods(),
                    s.namespaces(),
                    s.trafficSplits(),
                    s.httpRouteGroups(),
                    s.tcpRoutes(),
                    s.udpRoutes(),
                    s.trafficTargets());
            case EndpointSlice o ->
                new SourceSnapshot(
                    s.services(),
                    upsert(s.endpointSlices(), o),
                    s.pods(),
                    s.namespaces(),
                    s.trafficSplits(),
                    s.httpRouteGroups(),
                    s.tcpRoutes(),
                    s.udpRoutes(),
                    s.trafficTargets());
            case Pod o ->
                new SourceSnapshot(
                    s.services(),
                    s.endpointSlices(),
                    upsert(s.pods(), o),
                    s.namespaces(),
                    s.trafficSplits(),
                    s.httpRouteGroups(),
                    s.tcpRoutes(),
                    s.udpRoutes(),
                    s.trafficTargets());
            case TrafficSplit o ->
                new SourceSnapshot(
                    s.services(),
                    s.endpointSlices(),
                    s.pods(),
                    s.namespaces(),
                    upsert(s.trafficSplits(), o),
                    s.httpRouteGroups(),
                    s.tcpRoutes(),
                    s.udpRoutes(),
                    s.trafficTargets());
            default -> throw new IllegalArgumentException("not measured: " + changed.getKind());
          };
      Topology t = indexer.next(source, List.of());
      return memo.compile(
          t, previous.allocation(), previous.config(), previous.config().version() + 1);
    }
  }

  /** A copy of {@code list} with {@code o} in place of the object of the same key, or added. */
  private static <T extends HasMetadata> List<T> upsert(List<T> list, T o) {
    List<T> out = new ArrayList<>(list);
    String name = o.getMetadata().getName();
    String namespace = o.getMetadata().getNamespace();
    for (int i = 0; i < out.size(); i++) {
      ObjectMeta m = out.get(i).getMetadata();
      if (m.getName().equals(name) && Objects.equals(m.getNamespace(), namespace)) {
        out.set(i, o);
        return out;
      }
    }
    out.add(o);
    return out;
  }

  /** A compile from scratch: a new topology and no memo. */
  private static CompileResult scratch(
      List<HasMetadata> objects,
      CompileSettings settings,
      MeshConfig previous,
      PortAllocation allocation) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return new MeshCompiler(settings)
        .compile(t, allocation, previous, previous == null ? 1 : previous.version() + 1);
  }

  private record Timed<T>(T value, double millis, double cpuMillis) {}

  private static <T> Timed<T> timed(Supplier<T> work) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long c0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    T value = work.get();
    return new Timed<>(
        value, (System.nanoTime() - t0) / 1e6, (threads.getCurrentThreadCpuTime() - c0) / 1e6);
  }

  private static int indexOf(List<HasMetadata> objects, String name) {
    for (int i = 0; i < objects.size(); i++) {
      if (objects.get(i).getMetadata().getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static double usedHeapMib() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
  }

  private static long gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.size();
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
