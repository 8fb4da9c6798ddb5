package io.nodemesh.controller.api;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.access.AccessPolicy;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The access policy of the config being served, compiled once per config version. Compiling builds
 * every rule's matchers; doing it for each {@code explain} call let any caller spend the
 * controller's CPU at will (issue 13).
 */
final class PolicyCache {
  private record Entry(long version, AccessPolicy policy) {}

  private final AtomicLong compilations = new AtomicLong();
  private volatile Entry entry;

  /** The policy of {@code config}, compiled now only if its version was not the last one asked. */
  AccessPolicy policyFor(MeshConfig config) {
    Entry e = entry;
    if (e != null && e.version() == config.version()) {
      return e.policy();
    }
    synchronized (this) {
      e = entry;
      if (e == null || e.version() != config.version()) {
        compilations.incrementAndGet();
        e = new Entry(config.version(), AccessPolicy.compile(config.access()));
        entry = e;
      }
      return e.policy();
    }
  }

  /** How many times a policy was compiled. */
  long compilations() {
    return compilations.get();
  }
}
