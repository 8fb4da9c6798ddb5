package io.nodemesh.proxy.listener;

import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one owner of what outlives a routing table: the {@link ResilienceRegistry} (endpoint states
 * with their in-flight counts and ejections, breakers, retry budgets, rate limiters), how many
 * listeners of the table in force name each endpoint, and the table in force itself. {@link
 * RoutingTable#compile} only reads it; {@link #commit} is the one step that changes it: it keeps
 * the state the new table created, forgets what the new table no longer names, and publishes the
 * table with one volatile write, which each event loop reads when it routes its next request.
 */
public final class RoutingState {
  private final ResilienceRegistry registry;
  // Listeners of the committed table naming each endpoint, so that a change prunes by what it
  // dropped instead of by everything the config names.
  private final Map<String, Integer> authorities = new HashMap<>();
  private volatile RoutingTable current = RoutingTable.empty();

  public RoutingState(ResilienceRegistry registry) {
    this.registry = registry;
  }

  /** The registry a compile reads (through a draft, which it never writes back). */
  public ResilienceRegistry registry() {
    return registry;
  }

  /** The table in force: {@link RoutingTable#empty()} before the first commit. */
  public RoutingTable current() {
    return current;
  }

  /**
   * Makes {@code next} the table in force: its compile's new state joins the registry, the state of
   * endpoints, listeners and backends it no longer names is dropped, and it is published. Counts
   * what it dropped against the table in force when {@code next} was compiled from it, else counts
   * everything again.
   *
   * @throws IllegalArgumentException when {@code next} was compiled against another state
   */
  public synchronized void commit(RoutingTable next) {
    RoutingTable.Pending p = next.pending();
    if (p == null || p.state() != this) {
      throw new IllegalArgumentException("table compiled against another routing state");
    }
    if (next == current) {
      return;
    }
    registry.commit(p.changes());
    if (p.base() == current.serial()) {
      update(p.dropped(), p.fresh());
    } else {
      recount(next.config());
    }
    current = next;
  }

  /** Counts everything and prunes the registry to it. */
  private void recount(MeshConfig config) {
    authorities.clear();
    Set<String> listeners = new HashSet<>();
    Set<String> breakers = new HashSet<>();
    for (ListenerConfig l : config.listeners()) {
      listeners.add(l.key());
      breakers.addAll(breakerKeys(l));
      add(l);
    }
    registry.retain(listeners, breakers, authorities.keySet());
  }

  /**
   * Adds the freshly compiled listeners, removes the dropped ones and forgets their state unless a
   * fresh listener names it again (listener keys are unique within a config, so only a fresh
   * listener can take over a dropped one's key).
   */
  private void update(List<ListenerConfig> dropped, List<ListenerConfig> fresh) {
    if (dropped.isEmpty()) {
      fresh.forEach(this::add);
      return;
    }
    Set<String> liveKeys = new HashSet<>();
    Set<String> liveBreakers = new HashSet<>();
    for (ListenerConfig l : fresh) {
      liveKeys.add(l.key());
      liveBreakers.addAll(breakerKeys(l));
      add(l);
    }
    Set<String> goneKeys = new HashSet<>();
    Set<String> goneBreakers = new HashSet<>();
    Set<String> goneAuthorities = new HashSet<>();
    for (ListenerConfig l : dropped) {
      if (!liveKeys.contains(l.key())) {
        goneKeys.add(l.key());
      }
      for (String b : breakerKeys(l)) {
        if (!liveBreakers.contains(b)) {
          goneBreakers.add(b);
        }
      }
      for (BackendConfig b : l.route().allBackends()) {
        b.endpoints()
            .forEach(
                e -> {
                  if (authorities.merge(e.authority(), -1, Integer::sum) == 0) {
                    authorities.remove(e.authority());
                    goneAuthorities.add(e.authority());
                  }
                });
      }
    }
    registry.forget(goneKeys, goneBreakers, goneAuthorities);
  }

  private void add(ListenerConfig l) {
    for (BackendConfig b : l.route().allBackends()) {
      b.endpoints().forEach(e -> authorities.merge(e.authority(), 1, Integer::sum));
    }
  }

  private static List<String> breakerKeys(ListenerConfig l) {
    return l.route().allBackends().stream().map(b -> l.key() + ">" + b.service()).toList();
  }
}
