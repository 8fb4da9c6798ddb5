package io.nodemesh.proxy.recheck;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;

/**
 * Counts the open connections that a new config ended, in {@code
 * nodemesh_connections_revoked_total{kind}}: {@code tcp} relays and {@code tunnel}s (after 101)
 * closed because their grant is gone or their listener was removed, and HTTP/1.1 {@code http}
 * keep-alive connections drained because their listener was removed. Three series, registered once;
 * safe from any thread.
 */
public final class Revocations {
  private static final System.Logger LOG = System.getLogger(Revocations.class.getName());

  /** The kinds, the values of the {@code kind} label. */
  public enum Kind {
    TCP,
    TUNNEL,
    HTTP;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Counter[] counters = new Counter[Kind.values().length];

  public Revocations(MeterRegistry registry) {
    for (Kind k : Kind.values()) {
      counters[k.ordinal()] =
          Counter.builder("nodemesh.connections.revoked")
              .description(
                  "Open connections ended by a new config (ACL mode): grant gone, listener gone")
              .tag("kind", k.label())
              .register(registry);
    }
  }

  /** Counts and logs one connection ended by a config change. */
  public void revoked(Kind kind, SocketAddress peer, String why) {
    counters[kind.ordinal()].increment();
    LOG.log(Level.DEBUG, "{0} connection from {1} ended: {2}", kind.label(), peer, why);
  }

  /** Connections of a kind ended so far (tests). */
  public double count(Kind kind) {
    return counters[kind.ordinal()].count();
  }
}
