package io.nodemesh.proxy.recheck;

import io.nodemesh.proxy.listener.RoutingTable;
import java.util.Objects;

/**
 * The user event fired on every open connection accepted on the proxy's ports once a new routing
 * table is in force (after its listeners are bound and removed ones unbound). Handlers that hold a
 * decision made under an older table (a TCP relay, a tunnel after 101, an HTTP/1.1 keep-alive
 * connection of a listener port) check it again against {@link #table} on their own event loop.
 *
 * @param table the table now in force
 * @param revocations where a connection closed by the check is counted
 */
public record ConfigApplied(RoutingTable table, Revocations revocations) {
  public ConfigApplied {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(revocations, "revocations");
  }
}
