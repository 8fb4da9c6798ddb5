package io.nodemesh.config;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The identity table of an {@link AccessConfig}: pod IP to {@code namespace/serviceAccount},
 * checked and copied once, then unchangeable, so a config can take the table of the previous one as
 * it is. The controller keeps one across compilations while no pod changes (100,000 entries would
 * otherwise be copied and checked on every change, see docs/benchmarks.md). A {@link HashMap}, not
 * {@code Map.copyOf}: the latter's linear probing turns the dense runs of pod IPs into probe chains
 * thousands of slots long.
 */
public final class Identities extends AbstractMap<String, String> {
  private static final Identities EMPTY = new Identities(new HashMap<>());

  private final Map<String, String> view;

  private Identities(HashMap<String, String> copy) {
    copy.forEach(
        (ip, sa) -> {
          if (ip == null || ip.isBlank() || sa == null || sa.indexOf('/') <= 0) {
            throw new IllegalArgumentException(
                "access identity '" + ip + "': service account '" + sa + "' is not namespace/name");
          }
        });
    this.view = Collections.unmodifiableMap(copy);
  }

  /** {@code m} itself if it is an identity table already, else a checked copy. */
  public static Identities of(Map<String, String> m) {
    if (m instanceof Identities table) {
      return table;
    }
    return m == null || m.isEmpty() ? EMPTY : new Identities(new HashMap<>(m));
  }

  @Override
  public @Nullable String get(Object ip) {
    return view.get(ip);
  }

  @Override
  public boolean containsKey(Object ip) {
    return view.containsKey(ip);
  }

  @Override
  public int size() {
    return view.size();
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return view.entrySet();
  }
}
