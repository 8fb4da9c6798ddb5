package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.controller.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The endpoint lists of the previous compilation, reused while a Service's EndpointSlices are the
 * very same objects. Sources never modify a cached object, they replace it, so an identical slice
 * list means identical endpoints; a pod change then recompiles one Service's endpoints instead of
 * all of them (at 10,000 Services they were half of a compile, see docs/benchmarks.md). The output
 * is the same with or without a memo. Not thread-safe: one compiling thread owns it.
 */
public final class EndpointMemo {
  private record Entry(
      List<EndpointSlice> slices, List<EndpointConfig> endpoints, List<Problem> problems) {}

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

  /**
   * The endpoints of {@code key}; what {@code compute} reported about the slices goes to {@code
   * problems}, again on every call that reuses the result, so a problem lasts as long as its cause.
   */
  List<EndpointConfig> get(
      String key,
      List<EndpointSlice> slices,
      Function<List<Problem>, List<EndpointConfig>> compute,
      List<Problem> problems) {
    if (!enabled) {
      return compute.apply(problems);
    }
    Entry e = current.get(key);
    if (e == null) {
      e = previous.get(key);
    }
    if (e == null || !sameObjects(e.slices(), slices)) {
      List<Problem> found = new ArrayList<>();
      e = new Entry(slices, compute.apply(found), List.copyOf(found));
    }
    current.put(key, e);
    problems.addAll(e.problems());
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
