package io.nodemesh.proxy.acl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.codec.http.HttpRequest;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Access control of one listener under one config: asks the shared {@link AccessPolicy} and counts
 * each denial in {@code nodemesh_access_denied_total{namespace,service,port,protocol,reason}}.
 * Identity is the peer address of the connection (for HTTP/2, of the parent connection), never a
 * header. Immutable; shared by every connection of the listener.
 */
public final class AccessGuard {
  private static final System.Logger LOG = System.getLogger(AccessGuard.class.getName());
  private static final AccessGuard OPEN =
      new AccessGuard(AccessPolicy.open(), null, null, Map.of());
  private static final AccessPolicy.Admission OPEN_ADMISSION =
      new AccessPolicy.Admission(AccessDecision.Allow.OPEN, null);

  private final AccessPolicy policy;
  private final String listenerKey;
  private final Protocol protocol;
  private final Map<AccessDecision.Reason, Counter> denied;

  private AccessGuard(
      AccessPolicy policy,
      String listenerKey,
      Protocol protocol,
      Map<AccessDecision.Reason, Counter> denied) {
    this.policy = policy;
    this.listenerKey = listenerKey;
    this.protocol = protocol;
    this.denied = denied;
  }

  /** The guard of ACL mode off: allows everything, counts nothing. */
  public static AccessGuard open() {
    return OPEN;
  }

  /** The guard of one listener; its counters are registered now, never on the request path. */
  public static AccessGuard of(AccessPolicy policy, ListenerConfig l, MeterRegistry registry) {
    if (!policy.enabled()) {
      return OPEN;
    }
    Map<AccessDecision.Reason, Counter> counters = new EnumMap<>(AccessDecision.Reason.class);
    for (AccessDecision.Reason r : AccessDecision.Reason.values()) {
      counters.put(
          r,
          Counter.builder("nodemesh.access.denied")
              .description("Requests, connections and datagrams refused by ACL mode, by reason")
              .tags(
                  Tags.of(
                      "namespace", l.namespace(),
                      "service", l.service(),
                      "port", Integer.toString(l.port()),
                      "protocol", l.protocol().wireName(),
                      "reason", r.label()))
              .register(registry));
    }
    return new AccessGuard(policy, l.key(), l.protocol(), counters);
  }

  public boolean enabled() {
    return policy.enabled();
  }

  /** The names of the header fields that this listener's access rules look at. */
  public Set<String> headerNames() {
    return listenerKey == null ? Set.of() : policy.headerNames(listenerKey);
  }

  /** The caller's service account ({@code namespace/name}), or null when unknown or ACL is off. */
  public String identity(InetAddress peer) {
    return policy.enabled() ? policy.identityOf(peer) : null;
  }

  /** As {@link #identity(InetAddress)}, for a channel's remote address. */
  public String identity(SocketAddress peer) {
    return identity(address(peer));
  }

  /**
   * Checks one HTTP request.
   *
   * @param peer the downstream connection's remote IP (null: unknown, denied)
   * @param path the origin-form path without the query
   * @return null when allowed, else the one-line reason for the 403 body
   */
  public String denyHttp(InetAddress peer, HttpRequest request, String path) {
    if (!policy.enabled()) {
      return null;
    }
    return denied(policy.decide(listenerKey, protocol, peer, new NettyRequestView(request, path)));
  }

  /**
   * Checks one HTTP request per serving pod ({@link AccessPolicy#admit}): denied (and counted) when
   * no destination service account allows it, else allowed with the pods it may go to.
   */
  public AccessPolicy.Admission admitHttp(InetAddress peer, HttpRequest request, String path) {
    if (!policy.enabled()) {
      return OPEN_ADMISSION;
    }
    return counted(policy.admit(listenerKey, protocol, peer, new NettyRequestView(request, path)));
  }

  /** As {@link #admitHttp}, for a new TCP connection. */
  public AccessPolicy.Admission admitL4(SocketAddress peer) {
    if (!policy.enabled()) {
      return OPEN_ADMISSION;
    }
    return counted(policy.admit(listenerKey, protocol, address(peer), null));
  }

  /** The message of a denied admission, or null when allowed. */
  public static String deniedMessage(AccessPolicy.Admission a) {
    return a.decision() instanceof AccessDecision.Deny d ? d.message() : null;
  }

  /**
   * Checks an open TCP connection again under a new config, for the pod it is relayed to.
   *
   * @param endpoint the pod's address, or null before the connection has one
   * @return null while it may stay open, else why not
   */
  public String recheckL4(SocketAddress peer, InetAddress endpoint) {
    if (!policy.enabled()) {
      return null;
    }
    AccessPolicy.Admission a = admitL4(peer);
    String denied = deniedMessage(a);
    if (denied == null && a.pods() != null && endpoint != null && !a.pods().test(endpoint)) {
      denied =
          "no TrafficTarget allows sa "
              + identity(peer)
              + " to connect to pod "
              + endpoint.getHostAddress()
              + " of "
              + listenerKey;
    }
    return denied;
  }

  private AccessPolicy.Admission counted(AccessPolicy.Admission a) {
    denied(a.decision());
    return a;
  }

  /**
   * Checks one TCP connection or UDP datagram.
   *
   * @return null when allowed, else the reason
   */
  public String denyL4(SocketAddress peer) {
    if (!policy.enabled()) {
      return null;
    }
    return denied(policy.decide(listenerKey, protocol, address(peer), null));
  }

  private String denied(AccessDecision d) {
    return switch (d) {
      case AccessDecision.Allow a -> null;
      case AccessDecision.Deny deny -> {
        denied.get(deny.reason()).increment();
        LOG.log(Level.DEBUG, "access denied: {0}", deny.message());
        yield deny.message();
      }
    };
  }

  private static InetAddress address(SocketAddress peer) {
    return peer instanceof InetSocketAddress i ? i.getAddress() : null;
  }
}
