package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.EndpointConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The endpoint lists of the previous compilation, reused while a Service's EndpointSlices are the
 * very same objects. Sources never modify a cached object, they replace it, so an identical slice
 * list means identical endpoints; a pod change then recompiles one Service's endpoints instead of
 * all of them (at 10,000 Services they were half of a compile, see docs/benchmarks.md). The output
 * is the same with or without a memo. Not thread-safe: one compiling thread owns it.
 */
public final class EndpointMemo {
  private record Entry(List<EndpointSlice> slices, List<EndpointConfig> endpoints) {}

  private final boolean enabled;
  private Map<String, Entry> previous = new HashMap<>();
  private Map<String, Entry> current = new HashMap<>();

  private EndpointMemo(boolean enabled) {
    this.enabled = enabled;
  }

  /** A memo kept across compilations. */
  public static EndpointMemo create() {
    return new EndpointMemo(true);
  }

  /** No memo: every compilation computes everything. */
  static EndpointMemo none() {
    return new EndpointMemo(false);
  }

  List<EndpointConfig> get(
      String key, List<EndpointSlice> slices, Supplier<List<EndpointConfig>> compute) {
    if (!enabled) {
      return compute.get();
    }
    Entry e = current.get(key);
    if (e == null) {
      e = previous.get(key);
    }
    if (e == null || !sameObjects(e.slices(), slices)) {
      e = new Entry(slices, compute.get());
    }
    current.put(key, e);
    return e.endpoints();
  }

  /** Ends a compilation: what it did not use is dropped. */
  void finish() {
    if (enabled) {
      previous = current;
      current = new HashMap<>();
    }
  }

  private static boolean sameObjects(List<EndpointSlice> a, List<EndpointSlice> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
