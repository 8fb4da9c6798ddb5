package io.nodemesh.controller.traffic;

import io.nodemesh.config.TrafficReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The last minute of the proxies' {@link TrafficReport}s, summed: a ring of {@link #SLOTS} time
 * slots of {@link #SLOT} each, every report added to the slot of its arrival. Memory grows with the
 * rows (listener, backend, caller), not with the number of proxies or reports: a hundred proxies
 * reporting the same Service add into one row. Thread-safe; reports and readers share one lock,
 * held for a report's rows only.
 */
public final class TrafficWindow {
  public static final Duration SLOT = Duration.ofSeconds(5);
  public static final int SLOTS = 12;
  public static final Duration WINDOW = SLOT.multipliedBy(SLOTS);

  /** Rows kept per slot and kind; a report past this adds to existing rows only. */
  static final int MAX_ROWS_PER_SLOT = 100_000;

  /** Proxies remembered; the one silent longest is forgotten first. */
  static final int MAX_NODES = 10_000;

  /** A proxy silent this long is dropped from the list. */
  static final Duration FORGET_NODE_AFTER = Duration.ofMinutes(10);

  /** A row's identity: a listener and, by kind, backend and caller, or a denial's reason. */
  public record Key(String listener, String backend, String source) {}

  /** One proxy as its last report described it. */
  public record NodeState(
      String node,
      long configVersion,
      long rssBytes,
      double cpuCores,
      double staleSeconds,
      long reports) {}

  /** The sums over the window. */
  public record Totals(
      double seconds,
      Map<Key, long[]> requests,
      Map<Key, long[]> latencies,
      Map<Key, long[]> denials,
      List<Double> bounds,
      List<NodeState> nodes,
      long droppedRows) {}

  private static final class Slot {
    long index = -1;
    final Map<Key, long[]> requests = new HashMap<>();
    final Map<Key, long[]> latencies = new HashMap<>();
    final Map<Key, long[]> denials = new HashMap<>();

    void reset(long i) {
      index = i;
      requests.clear();
      latencies.clear();
      denials.clear();
    }
  }

  private static final class Node {
    long version;
    long rss;
    double cpuSeconds = -1;
    long cpuAtNanos;
    double cpuCores = -1;
    long lastNanos;
    long reports;
  }

  private final LongSupplier clock;
  private final Slot[] ring = new Slot[SLOTS];
  private final Map<String, Node> nodes = new HashMap<>();
  private final long startNanos;
  private List<Double> bounds;
  private long droppedRows;
  private long reports;

  public TrafficWindow() {
    this(System::nanoTime);
  }

  TrafficWindow(LongSupplier clock) {
    this.clock = clock;
    this.startNanos = clock.getAsLong();
    for (int i = 0; i < SLOTS; i++) {
      ring[i] = new Slot();
    }
  }

  /** Adds one proxy's report. */
  public synchronized void add(TrafficReport r) {
    long now = clock.getAsLong();
    reports++;
    Slot slot = slot(now);
    for (TrafficReport.Requests q : r.requests()) {
      long[] t = row(slot.requests, new Key(q.listener(), q.backend(), q.source()), 2);
      if (t != null) {
        t[0] += q.count();
        t[1] += q.failures();
      }
    }
    if (bounds == null && !r.bounds().isEmpty()) {
      bounds = r.bounds();
    }
    if (r.bounds().equals(bounds)) {
      for (TrafficReport.Latency l : r.latencies()) {
        long[] t = row(slot.latencies, new Key(l.listener(), l.backend(), ""), bounds.size() + 1);
        if (t != null) {
          for (int i = 0; i < t.length; i++) {
            t[i] += l.counts().get(i);
          }
        }
      }
    } else {
      droppedRows += r.latencies().size();
    }
    for (TrafficReport.Denials d : r.denials()) {
      long[] t = row(slot.denials, new Key(d.listener(), d.reason(), ""), 1);
      if (t != null) {
        t[0] += d.count();
      }
    }
    node(r, now);
  }

  private long[] row(Map<Key, long[]> rows, Key key, int width) {
    long[] t = rows.get(key);
    if (t == null) {
      if (rows.size() >= MAX_ROWS_PER_SLOT) {
        droppedRows++;
        return null;
      }
      t = new long[width];
      rows.put(key, t);
    }
    return t;
  }

  private void node(TrafficReport r, long now) {
    Node n = nodes.get(r.node());
    if (n == null) {
      if (nodes.size() >= MAX_NODES) {
        forgetNodes(now, true);
      }
      n = new Node();
      nodes.put(r.node(), n);
    }
    if (r.cpuSeconds() >= 0 && n.cpuSeconds >= 0 && now > n.cpuAtNanos) {
      n.cpuCores = Math.max(0, (r.cpuSeconds() - n.cpuSeconds) / ((now - n.cpuAtNanos) / 1e9));
    }
    n.cpuSeconds = r.cpuSeconds();
    n.cpuAtNanos = now;
    n.version = r.configVersion();
    n.rss = r.rssBytes();
    n.lastNanos = now;
    n.reports++;
  }

  private void forgetNodes(long now, boolean oldest) {
    nodes.values().removeIf(n -> now - n.lastNanos > FORGET_NODE_AFTER.toNanos());
    if (oldest && nodes.size() >= MAX_NODES) {
      String silent = null;
      long last = Long.MAX_VALUE;
      for (Map.Entry<String, Node> e : nodes.entrySet()) {
        if (e.getValue().lastNanos < last) {
          last = e.getValue().lastNanos;
          silent = e.getKey();
        }
      }
      nodes.remove(silent);
    }
  }

  /** The slot of {@code now}, emptied first when it last held an older period. */
  private Slot slot(long now) {
    long index = Math.floorDiv(now - startNanos, SLOT.toNanos());
    Slot s = ring[(int) Math.floorMod(index, SLOTS)];
    if (s.index != index) {
      s.reset(index);
    }
    return s;
  }

  /** Proxies remembered (those that reported in the last ten minutes, at most). */
  public synchronized int nodeCount() {
    return nodes.size();
  }

  /** Reports added since this window was made. */
  public synchronized long reports() {
    return reports;
  }

  /** The sums over the last {@link #WINDOW} (less while the controller is younger than that). */
  public synchronized Totals totals() {
    long now = clock.getAsLong();
    long current = Math.floorDiv(now - startNanos, SLOT.toNanos());
    Map<Key, long[]> requests = new HashMap<>();
    Map<Key, long[]> latencies = new HashMap<>();
    Map<Key, long[]> denials = new HashMap<>();
    for (Slot s : ring) {
      // The current slot is partly filled and the oldest one partly out of the window: together
      // they make one slot, so the window is SLOTS - 1 full slots plus the running one.
      if (s.index >= 0 && s.index > current - SLOTS) {
        sum(s.requests, requests);
        sum(s.latencies, latencies);
        sum(s.denials, denials);
      }
    }
    long from = Math.max(startNanos, startNanos + (current - SLOTS + 1) * SLOT.toNanos());
    double seconds = Math.max(1_000_000_000L, now - from) / 1e9;
    forgetNodes(now, false);
    List<NodeState> list = new ArrayList<>(nodes.size());
    nodes.forEach(
        (name, n) ->
            list.add(
                new NodeState(
                    name, n.version, n.rss, n.cpuCores, (now - n.lastNanos) / 1e9, n.reports)));
    list.sort(java.util.Comparator.comparing(NodeState::node));
    return new Totals(
        seconds,
        requests,
        latencies,
        denials,
        bounds == null ? List.of() : bounds,
        list,
        droppedRows);
  }

  private static void sum(Map<Key, long[]> from, Map<Key, long[]> into) {
    from.forEach(
        (k, v) -> {
          long[] t = into.get(k);
          if (t == null) {
            into.put(k, v.clone());
          } else {
            for (int i = 0; i < t.length; i++) {
              t[i] += v[i];
            }
          }
        });
  }
}
