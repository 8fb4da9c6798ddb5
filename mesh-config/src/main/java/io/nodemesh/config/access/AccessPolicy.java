package io.nodemesh.config.access;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.Protocol;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An {@link AccessConfig} ready to answer "may this peer do this on that listener?". Immutable and
 * thread-safe; built once per config. The proxy calls it on every request, connection and datagram;
 * the controller's explain endpoint calls the very same code on the config it serves.
 *
 * <p>Rules (SMI access v1alpha3, deny by default): the peer IP names a live pod and so its service
 * account; the request is allowed when, for every destination service account of the listener, a
 * TrafficTarget to that destination lists the source and one of its rules matches. A listener whose
 * pods have no known service account allows nothing.
 */
public final class AccessPolicy {
  private static final AccessPolicy OPEN = new AccessPolicy(false, Map.of(), Map.of());
  private static final int MAX_PATH_IN_MESSAGE = 200;

  private final boolean enabled;
  private final Map<InetAddress, String> identities;
  private final Map<String, Compiled> listeners;

  private AccessPolicy(
      boolean enabled, Map<InetAddress, String> identities, Map<String, Compiled> listeners) {
    this.enabled = enabled;
    this.identities = identities;
    this.listeners = listeners;
  }

  /** The policy of ACL mode off. */
  public static AccessPolicy open() {
    return OPEN;
  }

  /**
   * Compiles.
   *
   * @throws IllegalArgumentException when an identity key is not an IP literal or a regex fails
   */
  public static AccessPolicy compile(AccessConfig config) {
    if (!config.enabled()) {
      return OPEN;
    }
    Map<InetAddress, String> ids = new HashMap<>();
    config.identities().forEach((ip, sa) -> ids.put(ipLiteral(ip), sa));
    Map<String, Compiled> byKey = new HashMap<>();
    for (ListenerAccess l : config.listeners()) {
      byKey.put(l.listener(), new Compiled(l));
    }
    // A HashMap, not Map.copyOf: pod IPs come in dense runs (one podCIDR per node), and the
    // linear probing of the immutable map turns a run into long probe chains; an unknown peer
    // then cost over 100 us per connection (AclBenchmark, docs/benchmarks.md).
    return new AccessPolicy(
        true, Collections.unmodifiableMap(new HashMap<>(ids)), Map.copyOf(byKey));
  }

  /**
   * Parses an IP literal without any name lookup.
   *
   * @throws IllegalArgumentException when it is not one
   */
  public static InetAddress ipLiteral(String ip) {
    String s = ip.trim();
    boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) {
      throw new IllegalArgumentException("access identity '" + ip + "' is not an IP literal");
    }
    try {
      // A literal is parsed, never resolved.
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("access identity '" + ip + "': " + e.getMessage(), e);
    }
  }

  public boolean enabled() {
    return enabled;
  }

  /** The {@code namespace/serviceAccount} of the live pod holding {@code ip}, or null. */
  public @Nullable String identityOf(@Nullable InetAddress ip) {
    return ip == null ? null : identities.get(ip);
  }

  /**
   * The lower-case names of the header fields that a grant's match on this listener looks at. A
   * request may hold each of them at most once (docs/access-control.md, "Headers a rule names"): a
   * match passes when any one field matches, while a backend usually reads the first.
   */
  public Set<String> headerNames(String listenerKey) {
    Compiled l = listeners.get(listenerKey);
    return l == null ? Set.of() : l.headerNames;
  }

  /**
   * Decides.
   *
   * @param listenerKey {@code namespace/service:port}
   * @param protocol the listener's protocol (for the message)
   * @param peer the connection's (or datagram's) source address as this proxy sees it
   * @param request the HTTP request, or null for a TCP connection or a UDP datagram
   */
  public AccessDecision decide(
      String listenerKey,
      Protocol protocol,
      @Nullable InetAddress peer,
      @Nullable RequestView request) {
    if (!enabled) {
      return AccessDecision.Allow.OPEN;
    }
    String source = identityOf(peer);
    if (source == null) {
      return new AccessDecision.Deny(
          null,
          AccessDecision.Reason.UNKNOWN_SOURCE,
          "source "
              + (peer == null ? "unknown" : peer.getHostAddress())
              + " is not a known pod; denied on "
              + listenerKey);
    }
    Compiled l = listeners.get(listenerKey);
    if (l == null || l.destinations.isEmpty()) {
      return new AccessDecision.Deny(
          source,
          AccessDecision.Reason.UNKNOWN_DESTINATION,
          "no pod with a known service account serves " + listenerKey + "; denied");
    }
    AccessDecision.Allow first = null;
    for (String dest : l.destinations) {
      AccessDecision.Allow a = allowedBy(l.byDestination.get(dest), source, request);
      if (a == null) {
        return new AccessDecision.Deny(
            source,
            AccessDecision.Reason.NOT_ALLOWED,
            "no TrafficTarget allows sa "
                + source
                + " to "
                + action(request, protocol, listenerKey)
                + (l.destinations.size() > 1 ? " (destination sa " + dest + ")" : ""));
      }
      if (first == null) {
        first = a;
      }
    }
    // Set in the first round: destinations is not empty.
    return Objects.requireNonNull(first);
  }

  /**
   * Decides for a caller whose identity a certificate proved, at the destination node's proxy
   * (issue 14, "Enforcement at the destination"): {@code source} may do {@code request} on the pod
   * running as {@code destination} when a grant of that destination on this listener allows it.
   * Both accounts are {@code namespace/name}; neither comes from an IP address here.
   */
  public AccessDecision decideAs(
      String listenerKey,
      Protocol protocol,
      String source,
      String destination,
      RequestView request) {
    if (!enabled) {
      return AccessDecision.Allow.OPEN;
    }
    Compiled l = listeners.get(listenerKey);
    AccessDecision.Allow a =
        l == null ? null : allowedBy(l.byDestination.get(destination), source, request);
    if (a == null) {
      return new AccessDecision.Deny(
          source,
          AccessDecision.Reason.NOT_ALLOWED,
          "no TrafficTarget allows sa "
              + source
              + " to "
              + action(request, protocol, listenerKey)
              + " (destination sa "
              + destination
              + ", decided at the destination node)");
    }
    return a;
  }

  /**
   * Decides per serving pod, as SMI access does: the request is allowed when some destination
   * service account of the listener allows it, and may then go only to the pods running under one
   * that does ({@link Admission#pods}). So a canary under a new service account that no
   * TrafficTarget names takes none of this caller's traffic, and does not deny the caller its
   * requests to the old version (issue 17). {@link #decide} is the stricter check of the path that
   * cannot tell the pod (an open HTTP upgrade tunnel).
   */
  public Admission admit(
      String listenerKey,
      Protocol protocol,
      @Nullable InetAddress peer,
      @Nullable RequestView request) {
    if (!enabled) {
      return Admission.OPEN;
    }
    String source = identityOf(peer);
    Compiled l = listeners.get(listenerKey);
    if (source == null || l == null || l.destinations.isEmpty()) {
      return new Admission(decide(listenerKey, protocol, peer, request), null);
    }
    AccessDecision.Allow first = null;
    Set<String> allowing = null;
    for (int i = 0; i < l.destinations.size(); i++) {
      String dest = l.destinations.get(i);
      AccessDecision.Allow a = allowedBy(l.byDestination.get(dest), source, request);
      if (a == null) {
        if (allowing == null) {
          allowing = new HashSet<>(l.destinations.subList(0, i));
        }
        continue;
      }
      first = first == null ? a : first;
      if (allowing != null) {
        allowing.add(dest);
      }
    }
    if (first == null) {
      return new Admission(
          new AccessDecision.Deny(
              source,
              AccessDecision.Reason.NOT_ALLOWED,
              "no TrafficTarget allows sa "
                  + source
                  + " to "
                  + action(request, protocol, listenerKey)),
          null);
    }
    if (allowing == null) {
      return new Admission(first, null);
    }
    Set<String> only = Set.copyOf(allowing);
    return new Admission(first, ip -> only.contains(identities.get(ip)));
  }

  /**
   * An access decision with the pods it holds for.
   *
   * @param decision allowed or denied
   * @param pods when allowed: the endpoint IPs the request may go to, or null for every endpoint of
   *     the listener
   */
  public record Admission(AccessDecision decision, @Nullable Predicate<InetAddress> pods) {
    static final Admission OPEN = new Admission(AccessDecision.Allow.OPEN, null);
  }

  private static AccessDecision.@Nullable Allow allowedBy(
      @Nullable List<Grant> grants, String source, @Nullable RequestView request) {
    if (grants == null) {
      return null;
    }
    for (Grant g : grants) {
      if (!g.sources.contains(source)) {
        continue;
      }
      if (g.matchers.isEmpty()) {
        return g.any;
      }
      if (request == null) {
        continue;
      }
      for (int i = 0; i < g.matchers.size(); i++) {
        if (g.matchers.get(i).matches(request)) {
          return g.allows.get(i);
        }
      }
    }
    return null;
  }

  private static String action(
      @Nullable RequestView request, Protocol protocol, String listenerKey) {
    if (request != null) {
      String path = request.path();
      if (path.length() > MAX_PATH_IN_MESSAGE) {
        path = path.substring(0, MAX_PATH_IN_MESSAGE) + "...";
      }
      int colon = listenerKey.lastIndexOf(':');
      String service = colon > 0 ? listenerKey.substring(0, colon) : listenerKey;
      return request.method() + " " + path + " on " + service;
    }
    return (protocol == Protocol.UDP ? "send to " : "connect to ")
        + listenerKey
        + " ("
        + protocol.wireName()
        + ")";
  }

  private record Grant(
      Set<String> sources,
      List<HttpMatcher> matchers,
      List<AccessDecision.Allow> allows,
      AccessDecision.Allow any) {}

  private static final class Compiled {
    final List<String> destinations;
    final Map<String, List<Grant>> byDestination = new HashMap<>();
    final Set<String> headerNames;

    Compiled(ListenerAccess l) {
      this.destinations = l.destinations();
      Set<String> names = new HashSet<>();
      for (AccessGrant g : l.grants()) {
        List<HttpMatcher> matchers = new ArrayList<>();
        List<AccessDecision.Allow> allows = new ArrayList<>();
        for (HttpMatch m : g.matches()) {
          names.addAll(m.headers().keySet());
          matchers.add(new HttpMatcher(m));
          allows.add(new AccessDecision.Allow(g.trafficTarget(), g.rule(), m.name()));
        }
        byDestination
            .computeIfAbsent(g.destination(), d -> new ArrayList<>())
            .add(
                new Grant(
                    Set.copyOf(g.sources()),
                    List.copyOf(matchers),
                    List.copyOf(allows),
                    new AccessDecision.Allow(g.trafficTarget(), g.rule(), null)));
      }
      this.headerNames = Set.copyOf(names);
    }
  }
}
