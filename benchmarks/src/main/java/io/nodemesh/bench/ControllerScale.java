package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.api.ConfigApi;
import io.nodemesh.controller.compile.CompileResult;
import io.nodemesh.controller.compile.CompileMemo;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
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
import java.util.zip.GZIPOutputStream;

/**
 * The controller scale benchmark: for synthetic clusters of growing size, the time of a full
 * compile (source snapshot to config, as at start-up), of a recompile after one EndpointSlice
 * changed (what every pod churn costs), the heap the controller holds afterwards, and the size of
 * the config each proxy downloads in full and as a delta for one change. Prints one {@code
 * bench=controller-scale key=value...} line per size.
 *
 * <p>Usage: {@code ControllerScale [SERVICES:ENDPOINTS_PER_SERVICE:SPLITS ...] [--rounds N]}.
 */
public final class ControllerScale {
  /** One measured size. */
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
      long deltaGzipBytes) {
    /** The machine-readable line. */
    public String line() {
      return String.format(
          Locale.ROOT,
          "bench=controller-scale services=%d endpoints=%d splits=%d listeners=%d"
              + " full_compile_ms=%.1f full_compile_cold_ms=%.1f full_compile_cpu_ms=%.1f"
              + " one_change_ms=%.1f one_change_max_ms=%.1f one_change_cpu_ms=%.1f snapshot_ms=%.1f"
              + " topology_ms=%.1f heap_mib=%.1f config_bytes=%d config_gzip_bytes=%d"
              + " config_wire_bytes=%d delta_bytes=%d delta_gzip_bytes=%d delta_wire_bytes=%d",
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
  }

  private ControllerScale() {}

  public static void main(String[] args) {
    List<SyntheticCluster> sizes = new ArrayList<>();
    int rounds = 5;
    for (int i = 0; i < args.length; i++) {
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
      System.out.println(measure(c, rounds).line());
      System.out.flush();
    }
  }

  /** Measures one size; {@code rounds} full compiles and {@code 2 * rounds} one-object changes. */
  public static Result measure(SyntheticCluster cluster, int rounds) {
    List<HasMetadata> objects = new ArrayList<>(cluster.objects());
    int sliceIndex = -1;
    String sliceName = SyntheticMesh.service(cluster.services() / 2) + "-abcde";
    for (int i = 0; i < objects.size(); i++) {
      if (objects.get(i).getMetadata().getName().equals(sliceName)) {
        sliceIndex = i;
      }
    }
    // Wall time is what the target is about; the thread's CPU time is what is left of it when
    // other processes compete for the CPU (a shared machine), so both are reported.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] full = new double[rounds];
    double[] fullCpu = new double[rounds];
    CompileResult result = null;
    for (int r = 0; r < rounds; r++) {
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      result = compile(objects, null, PortAllocation.empty(), CompileMemo.create());
      full[r] = (System.nanoTime() - t0) / 1e6;
      fullCpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
    }
    // As the controller does: one memo across compilations, primed by a first one.
    CompileMemo memo = CompileMemo.create();
    result = compile(objects, null, PortAllocation.empty(), memo);
    MeshConfig beforeLastChange = result.config();
    double[] change = new double[rounds * 2];
    double[] changeCpu = new double[rounds * 2];
    for (int r = 0; r < change.length; r++) {
      objects.set(sliceIndex, cluster.slice(cluster.services() / 2, r + 1));
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      CompileResult next = compile(objects, result.config(), result.allocation(), memo);
      change[r] = (System.nanoTime() - t0) / 1e6;
      changeCpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
      beforeLastChange = result.config();
      if (next.config().version() == result.config().version()) {
        throw new IllegalStateException("one-object change did not produce a new config version");
      }
      result = next;
    }
    // Where a change's time goes before the compiler proper: copying the source's lists, then
    // indexing them into a topology.
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
    // Keep what a controller keeps (its sources' objects, the config, the served bytes) alive
    // across the heap measurement.
    if (objects.isEmpty() || json.length == 0) {
      throw new IllegalStateException("nothing compiled");
    }
    MeshConfig config = result.config();
    // What a proxy holding the config before the last one-object change downloads for it.
    byte[] delta =
        MeshConfigDelta.between(beforeLastChange, config)
            .map(MeshConfigJson::writeBytes)
            .orElseThrow(() -> new IllegalStateException("no delta for a one-object change"));
    return new Result(
        cluster.services(),
        cluster.services() * cluster.endpointsPerService(),
        cluster.splits(),
        config.listeners().size(),
        median(Arrays.copyOfRange(full, Math.min(1, rounds - 1), rounds)),
        full[0],
        median(Arrays.copyOfRange(fullCpu, Math.min(1, rounds - 1), rounds)),
        median(change),
        Arrays.stream(change).max().orElse(0),
        median(changeCpu),
        median(snapshot),
        median(topology),
        heap,
        json.length,
        gzip(json),
        delta.length,
        gzip(delta));
  }

  private static CompileResult compile(
      List<HasMetadata> objects,
      MeshConfig previous,
      PortAllocation allocation,
      CompileMemo memo) {
    Topology t = Topology.from(SourceSnapshot.of(objects), List.of());
    return MeshCompiler.compile(
        t, SyntheticCluster.settings(), allocation, previous, System.currentTimeMillis(), memo);
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
