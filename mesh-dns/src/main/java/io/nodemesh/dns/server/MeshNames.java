package io.nodemesh.dns.server;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.config.wire.ShadowLabels;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The table the mesh DNS server answers from: {@code name.namespace} to the shadow Service's
 * ClusterIPs. Shadow names carry a hash and are cut to 63 characters, so they cannot be computed
 * from the query by a rewrite rule; the source Service's namespace and name are read from the
 * shadow's labels instead, which works for names of any legal length.
 *
 * <p>Replaced as a whole on every change (one volatile write), read without locks.
 */
public final class MeshNames {
  private volatile Map<String, List<InetAddress>> table = Map.of();
  private final CompletableFuture<Void> loaded = new CompletableFuture<>();

  /** Replaces the table with what {@code shadows} say. */
  public void replace(Collection<Service> shadows) {
    Map<String, List<InetAddress>> next = new HashMap<>();
    for (Service s : shadows) {
      Map<String, String> labels = s.getMetadata().getLabels();
      if (labels == null || s.getSpec() == null) {
        continue;
      }
      String ns = labels.get(ShadowLabels.SOURCE_NAMESPACE_LABEL);
      String name = labels.get(ShadowLabels.SOURCE_NAME_LABEL);
      if (ns == null || name == null) {
        continue;
      }
      List<String> ips = s.getSpec().getClusterIPs();
      if (ips == null || ips.isEmpty()) {
        ips = s.getSpec().getClusterIP() == null ? List.of() : List.of(s.getSpec().getClusterIP());
      }
      List<InetAddress> addresses = new ArrayList<>();
      for (String ip : ips) {
        parse(ip).ifPresent(addresses::add);
      }
      if (!addresses.isEmpty()) {
        next.put(key(name, ns), List.copyOf(addresses));
      }
    }
    table = Map.copyOf(next);
    loaded.complete(null);
  }

  /** Whether {@link #replace} ran at least once: before that every answer would be NXDOMAIN. */
  public boolean loaded() {
    return loaded.isDone();
  }

  /** Waits until {@link #loaded()}; false if {@code timeout} passed first. */
  public boolean awaitLoaded(Duration timeout) throws InterruptedException {
    try {
      loaded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("never completed exceptionally", e);
    }
  }

  /**
   * The ClusterIPs for {@code name} in {@code namespace}; empty when that Service is not meshed.
   */
  public List<InetAddress> lookup(String name, String namespace) {
    return table.getOrDefault(key(name, namespace), List.of());
  }

  public int size() {
    return table.size();
  }

  private static String key(String name, String namespace) {
    return (name + "." + namespace).toLowerCase(Locale.ROOT);
  }

  /** ClusterIPs are IP literals; "None" (headless) and garbage are skipped without a DNS lookup. */
  private static Optional<InetAddress> parse(String ip) {
    if (ip == null
        || ip.isBlank()
        || !ip.matches("[0-9a-fA-F:.]+")
        || !(ip.contains(".") || ip.contains(":"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(ip));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
