package io.nodemesh.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What changed from one {@link MeshConfig} to the next, so that a proxy holding {@code from} can
 * rebuild {@code to} without downloading all of it.
 *
 * <p>Listeners are identified by {@link ListenerConfig#key()}. Every listener of {@code to} that is
 * new or different is sent whole with its index in {@code to}; the listeners that are neither
 * placed nor removed keep their relative order and fill the remaining indexes. A delta therefore
 * only exists when the unchanged listeners kept their order ({@link #between} answers empty
 * otherwise), and applying it gives a config equal to {@code to}, list order included.
 *
 * @param from the version the delta applies to
 * @param to the version it produces
 * @param meshDomain the new DNS suffix, or null when unchanged
 * @param access the new access part, or null when unchanged (it is replaced whole)
 * @param removed keys of the listeners of {@code from} that {@code to} does not have
 * @param listeners the new or changed listeners of {@code to}, with their index in it
 * @param listenerCount how many listeners {@code to} has, checked when applying
 */
public record MeshConfigDelta(
    long from,
    long to,
    @Nullable String meshDomain,
    @Nullable AccessConfig access,
    List<String> removed,
    List<Placed> listeners,
    int listenerCount) {

  /** A listener of the target config and where it goes in the target's list. */
  public record Placed(int index, ListenerConfig listener) {
    public Placed {
      Objects.requireNonNull(listener, "placed listener");
      if (index < 0) {
        throw new IllegalArgumentException(
            "placed listener " + listener.key() + ": index " + index + " is negative");
      }
    }
  }

  public MeshConfigDelta {
    if (from < 0 || to <= from) {
      throw new IllegalArgumentException(
          "config delta " + from + " -> " + to + ": versions must grow from a non-negative one");
    }
    removed = removed == null ? List.of() : List.copyOf(removed);
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    if (listenerCount < listeners.size()) {
      throw new IllegalArgumentException(
          "config delta "
              + from
              + " -> "
              + to
              + ": listenerCount "
              + listenerCount
              + " is less than the "
              + listeners.size()
              + " listeners placed");
    }
  }

  /**
   * The delta from {@code from} to {@code to}, or empty when there is none worth sending: the
   * versions do not grow, or listeners that did not change were reordered.
   */
  public static Optional<MeshConfigDelta> between(MeshConfig from, MeshConfig to) {
    if (to.version() <= from.version()) {
      return Optional.empty();
    }
    Map<String, Integer> baseIndex = new HashMap<>(from.listeners().size() * 2);
    for (int i = 0; i < from.listeners().size(); i++) {
      baseIndex.put(from.listeners().get(i).key(), i);
    }
    List<Placed> placed = new ArrayList<>();
    Set<String> kept = new HashSet<>(to.listeners().size() * 2);
    int lastUntouched = -1;
    for (int i = 0; i < to.listeners().size(); i++) {
      ListenerConfig l = to.listeners().get(i);
      kept.add(l.key());
      Integer at = baseIndex.get(l.key());
      ListenerConfig old = at == null ? null : from.listeners().get(at);
      // Identity first: a controller that reuses unchanged listener objects pays no deep compare.
      if (old != null && at != null && (old == l || old.equals(l))) {
        if (at < lastUntouched) {
          return Optional.empty();
        }
        lastUntouched = at;
      } else {
        placed.add(new Placed(i, l));
      }
    }
    if (!from.tunnel().equals(to.tunnel())) {
      // The tunnel part travels only in full configs (it changes with pods, as identities do).
      return Optional.empty();
    }
    List<String> removed = new ArrayList<>();
    for (ListenerConfig l : from.listeners()) {
      if (!kept.contains(l.key())) {
        removed.add(l.key());
      }
    }
    return Optional.of(
        new MeshConfigDelta(
            from.version(),
            to.version(),
            from.meshDomain().equals(to.meshDomain()) ? null : to.meshDomain(),
            from.access().equals(to.access()) ? null : to.access(),
            removed,
            placed,
            to.listeners().size()));
  }

  /**
   * The config this delta produces from {@code base}.
   *
   * @throws IllegalArgumentException when {@code base} is not the version this delta starts from,
   *     or the delta does not fit it (a removed listener it lacks, a count that does not add up)
   */
  public MeshConfig applyTo(MeshConfig base) {
    if (base.version() != from) {
      throw new IllegalArgumentException(
          "config delta " + from + " -> " + to + " does not apply to version " + base.version());
    }
    Set<String> gone = new HashSet<>(removed);
    Set<String> replaced = new HashSet<>(listeners.size() * 2);
    ListenerConfig[] result = new ListenerConfig[listenerCount];
    for (Placed p : listeners) {
      if (p.index() >= listenerCount || result[p.index()] != null) {
        throw mismatch("index " + p.index() + " of " + p.listener().key() + " is out of place");
      }
      result[p.index()] = p.listener();
      replaced.add(p.listener().key());
    }
    int slot = 0;
    int removedFound = 0;
    for (ListenerConfig l : base.listeners()) {
      if (gone.contains(l.key())) {
        removedFound++;
        continue;
      }
      if (replaced.contains(l.key())) {
        continue;
      }
      while (slot < listenerCount && result[slot] != null) {
        slot++;
      }
      if (slot == listenerCount) {
        throw mismatch("more unchanged listeners than free places");
      }
      result[slot] = l;
    }
    if (removedFound != gone.size()) {
      throw mismatch("it removes listeners that version " + from + " does not have");
    }
    for (int i = slot; i < listenerCount; i++) {
      if (result[i] == null) {
        throw mismatch("place " + i + " stays empty");
      }
    }
    return new MeshConfig(
        to,
        meshDomain == null ? base.meshDomain() : meshDomain,
        List.of(result),
        access == null ? base.access() : access,
        base.tunnel());
  }

  private IllegalArgumentException mismatch(String why) {
    return new IllegalArgumentException(
        "config delta " + from + " -> " + to + " does not fit version " + from + ": " + why);
  }
}
