package io.nodemesh.controller.topology;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A sorted map nobody can change: a read-only view of a private copy. {@link Topology} keeps maps
 * of this class as they are instead of copying them again, which lets {@link TopologyIndexer} hand
 * the maps of unchanged kinds from one topology to the next at no cost.
 */
final class FrozenMap<V> extends AbstractMap<String, V> implements SortedMap<String, V> {
  private final SortedMap<String, V> view;

  private FrozenMap(TreeMap<String, V> copy) {
    this.view = Collections.unmodifiableSortedMap(copy);
  }

  /** {@code m} itself if it is frozen already, else a frozen copy. */
  static <V> SortedMap<String, V> of(Map<String, V> m) {
    if (m instanceof FrozenMap<V> frozen) {
      return frozen;
    }
    return new FrozenMap<>(m == null ? new TreeMap<>() : new TreeMap<>(m));
  }

  @Override
  public V get(Object key) {
    return view.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return view.containsKey(key);
  }

  @Override
  public int size() {
    return view.size();
  }

  @Override
  public Comparator<? super String> comparator() {
    return view.comparator();
  }

  @Override
  public SortedMap<String, V> subMap(String fromKey, String toKey) {
    return view.subMap(fromKey, toKey);
  }

  @Override
  public SortedMap<String, V> headMap(String toKey) {
    return view.headMap(toKey);
  }

  @Override
  public SortedMap<String, V> tailMap(String fromKey) {
    return view.tailMap(fromKey);
  }

  @Override
  public String firstKey() {
    return view.firstKey();
  }

  @Override
  public String lastKey() {
    return view.lastKey();
  }

  @Override
  public Set<String> keySet() {
    return view.keySet();
  }

  @Override
  public Collection<V> values() {
    return view.values();
  }

  @Override
  public Set<Map.Entry<String, V>> entrySet() {
    return view.entrySet();
  }
}
