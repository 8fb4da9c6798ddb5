package io.nodemesh.proxy.balance;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ServicePolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * A backend Service with its usable endpoints and its balancer, for one config.
 *
 * <p>Usable endpoints follow the EndpointSlice conditions as kube-proxy reads them: the {@code
 * ready} ones; when none is ready, those that are {@code serving} and {@code terminating} (a pod
 * draining still answers rather than nothing at all). With {@code preferSameNode} and endpoints
 * whose {@code nodeName} is the proxy's node, those are picked while any of them is not ejected.
 * Ejected endpoints are skipped unless every endpoint is ejected (then all are used: a guess beats
 * a certain 503).
 */
public final class CompiledBackend {
  private final String service;
  private final int weight;
  private final EndpointState[] usable;
  private final EndpointState[] local;
  private final ServicePolicy.Balancing balancing;
  private final ServicePolicy.Outlier outlier;
  private final Balancer balancer;
  private final HashRing ring;
  private volatile IntConsumer ejectedCount;
  private volatile int lastEjected;

  /** A backend with the default policy and fresh endpoint states (tests, tools). */
  public CompiledBackend(BackendConfig config) {
    this(config, ServicePolicy.defaults(), new EndpointRegistry(), null);
  }

  /**
   * @param nodeName the proxy's node, or null when unknown (no same-node preference)
   */
  public CompiledBackend(
      BackendConfig config, ServicePolicy policy, EndpointRegistry registry, String nodeName) {
    this.service = config.service();
    this.weight = config.weight();
    this.balancing = policy.balancing();
    this.outlier = policy.outlier();
    List<EndpointConfig> chosen =
        config.endpoints().stream().filter(EndpointConfig::ready).toList();
    if (chosen.isEmpty()) {
      chosen = config.endpoints().stream().filter(e -> e.serving() && e.terminating()).toList();
    }
    List<EndpointState> all = new ArrayList<>();
    List<EndpointState> same = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (EndpointConfig e : chosen) {
      if (!seen.add(e.authority())) {
        continue;
      }
      EndpointState s = registry.state(e);
      all.add(s);
      if (nodeName != null && nodeName.equals(e.nodeName())) {
        same.add(s);
      }
    }
    this.usable = all.toArray(EndpointState[]::new);
    this.local =
        balancing.preferSameNode() && !same.isEmpty() && same.size() < all.size()
            ? same.toArray(EndpointState[]::new)
            : null;
    this.balancer = Balancer.of(balancing.policy());
    this.ring =
        balancing.policy() == ServicePolicy.LbPolicy.CONSISTENT_HASH ? new HashRing(usable) : null;
  }

  public String service() {
    return service;
  }

  public int weight() {
    return weight;
  }

  public int readyCount() {
    return usable.length;
  }

  /** The next endpoint by the balancing policy (tests, no hash key, nothing excluded). */
  public Target pick() {
    EndpointState s = choose(OptionalLong.empty(), null, System.nanoTime());
    return s == null ? null : s.target();
  }

  /**
   * Picks an endpoint.
   *
   * @param key the request's hash key (consistent hash), or empty
   * @param tried endpoints this request already failed on, avoided while others are usable; may be
   *     null
   * @param now {@link System#nanoTime()}
   * @return null when the backend has no usable endpoint
   */
  public EndpointState choose(OptionalLong key, List<EndpointState> tried, long now) {
    if (usable.length == 0) {
      return null;
    }
    if (ring != null && key.isPresent()) {
      EndpointState e = ring.lookup(key.getAsLong(), s -> fresh(s, tried, now));
      if (e == null) {
        e = ring.lookup(key.getAsLong(), s -> !s.isEjected(now));
      }
      return e != null ? e : ring.lookup(key.getAsLong(), s -> true);
    }
    EndpointState[] c = null;
    if (local != null) {
      c = filter(local, s -> fresh(s, tried, now));
    }
    if (c == null) {
      c = filter(usable, s -> fresh(s, tried, now));
    }
    if (c == null) {
      c = filter(usable, s -> !s.isEjected(now));
    }
    if (c == null) {
      c = usable;
    }
    return balancer.choose(c, now);
  }

  /**
   * Picks an endpoint among those {@code only} accepts (the pods a caller may reach, SMI access per
   * pod); as {@link #choose(OptionalLong, List, long)} when {@code only} is null.
   *
   * @return null when no usable endpoint is accepted
   */
  public EndpointState choose(
      OptionalLong key, List<EndpointState> tried, long now, Predicate<EndpointState> only) {
    if (only == null) {
      return choose(key, tried, now);
    }
    EndpointState[] base = filter(usable, only);
    if (base == null) {
      return null;
    }
    if (ring != null && key.isPresent()) {
      EndpointState e = ring.lookup(key.getAsLong(), s -> only.test(s) && fresh(s, tried, now));
      if (e == null) {
        e = ring.lookup(key.getAsLong(), s -> only.test(s) && !s.isEjected(now));
      }
      return e != null ? e : ring.lookup(key.getAsLong(), only);
    }
    EndpointState[] c = null;
    if (local != null) {
      c = filter(local, s -> only.test(s) && fresh(s, tried, now));
    }
    if (c == null) {
      c = filter(base, s -> fresh(s, tried, now));
    }
    if (c == null) {
      c = filter(base, s -> !s.isEjected(now));
    }
    return balancer.choose(c == null ? base : c, now);
  }

  /** Whether some usable endpoint passes {@code only}. */
  public boolean serves(Predicate<EndpointState> only) {
    for (EndpointState s : usable) {
      if (only.test(s)) {
        return true;
      }
    }
    return false;
  }

  private static boolean fresh(EndpointState s, List<EndpointState> tried, long now) {
    return !s.isEjected(now) && (tried == null || !tried.contains(s));
  }

  /** {@code all} itself when every element passes, null when none does. */
  private static EndpointState[] filter(EndpointState[] all, Predicate<EndpointState> keep) {
    int n = 0;
    for (EndpointState s : all) {
      if (keep.test(s)) {
        n++;
      }
    }
    if (n == all.length) {
      return all;
    }
    if (n == 0) {
      return null;
    }
    EndpointState[] out = new EndpointState[n];
    int i = 0;
    for (EndpointState s : all) {
      if (keep.test(s)) {
        out[i++] = s;
      }
    }
    return out;
  }

  /**
   * Reports how many of this backend's endpoints are ejected, whenever that may have changed.
   *
   * @param reportNow also report the current count now (the gauge exists already)
   */
  public void onEjectedCount(IntConsumer listener, boolean reportNow) {
    this.ejectedCount = listener;
    lastEjected = ejected(System.nanoTime());
    if (reportNow) {
      listener.accept(lastEjected);
    }
  }

  /** Counts a successful response from {@code s}. */
  public void onSuccess(EndpointState s, long now) {
    s.onSuccess(now, outlier);
    if (lastEjected > 0) {
      // Ejections end by time; a success is the first sign someone may be back.
      report(ejected(now));
    }
  }

  private int ejected(long now) {
    int n = 0;
    for (EndpointState e : usable) {
      if (e.isEjected(now)) {
        n++;
      }
    }
    return n;
  }

  private void report(int ejected) {
    lastEjected = ejected;
    IntConsumer c = ejectedCount;
    if (c != null) {
      c.accept(ejected);
    }
  }

  /**
   * Counts a failure of {@code s}; may eject it within the max ejection percent of this backend.
   *
   * @return true when it was ejected
   */
  public boolean onFailure(EndpointState s, long now) {
    int ejected = ejected(now);
    boolean mayEject = (ejected + 1) * 100 <= outlier.maxEjectionPercent() * usable.length;
    boolean ejectedNow = s.onFailure(now, outlier, mayEject);
    if (ejectedNow || ejected != lastEjected) {
      report(ejectedNow ? ejected + 1 : ejected);
    }
    return ejectedNow;
  }

  /** The hash key of a request for this backend's policy, or empty when it is not hashed. */
  OptionalLong key(io.netty.handler.codec.http.HttpHeaders headers, java.net.InetAddress source) {
    return ring == null ? OptionalLong.empty() : HashKey.of(balancing, headers, source);
  }
}
