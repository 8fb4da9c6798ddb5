package io.nodemesh.controller.compile;

import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which proxy port serves which Service port. Immutable; {@link #allocate} computes the next one.
 *
 * <p>Stability is the point: a port once given keeps its number for as long as its Service port
 * exists (proxies and shadow Services keep working across changes and controller restarts), and new
 * keys get the lowest free port of their protocol's range in sorted key order, so every replica
 * that starts from the same allocation computes the same result.
 *
 * @param ports proxy port by key, sorted by key
 */
public record PortAllocation(SortedMap<PortKey, Integer> ports) {

  public PortAllocation {
    ports =
        Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(ports, "ports")));
  }

  public static PortAllocation empty() {
    return new PortAllocation(new TreeMap<>());
  }

  /** An allocation from existing assignments (e.g. read back from shadow Services). */
  public static PortAllocation of(Map<PortKey, Integer> ports) {
    return new PortAllocation(new TreeMap<>(ports));
  }

  /** The proxy port of {@code key}, or null. */
  public Integer portOf(PortKey key) {
    return ports.get(key);
  }

  /**
   * The outcome of an allocation.
   *
   * @param allocation the new allocation, holding exactly the wanted keys that got a port
   * @param exhausted wanted keys for which the range had no free port left
   */
  public record Result(PortAllocation allocation, SortedSet<PortKey> exhausted) {
    public Result {
      exhausted = Collections.unmodifiableSortedSet(new TreeSet<>(exhausted));
    }
  }

  /**
   * The allocation for {@code wanted}: keys already allocated (inside their range, no port used
   * twice) keep their port; keys no longer wanted are released; new keys get the lowest free port
   * of their range, in sorted key order.
   */
  public Result allocate(Set<PortKey> wanted, Map<Protocol, PortRange> ranges) {
    Map<Protocol, BitSet> used = unused();
    SortedMap<PortKey, Integer> next = new TreeMap<>();
    SortedSet<PortKey> todo = new TreeSet<>();
    for (PortKey key : new TreeSet<>(wanted)) {
      PortRange range = range(ranges, key.protocol());
      Integer port = ports.get(key);
      BitSet bits = used.get(rangeOf(key.protocol()));
      // Ranges never overlap (CompileSettings checks), so a port is unique within its protocol.
      if (port != null && range.contains(port) && !bits.get(port - range.first())) {
        bits.set(port - range.first());
        next.put(key, port);
      } else {
        todo.add(key);
      }
    }
    SortedSet<PortKey> exhausted = assign(todo, used, next, ranges);
    return new Result(new PortAllocation(next), exhausted);
  }

  /**
   * {@link #allocate} for a wanted set given as a change, at the cost of the change rather than of
   * the whole set: the same result as {@code allocate(W)} with {@code W} = this allocation's keys
   * plus {@code exhausted}, less {@code gone}, plus {@code added}. Only valid when this allocation
   * and {@code exhausted} are the result of an {@code allocate} with the same {@code ranges} (every
   * port in its range, none used twice), which is what lets the kept keys skip the checks.
   *
   * @param gone keys no longer wanted
   * @param added keys wanted now that were not before
   * @param exhausted the keys the previous allocation found no port for
   */
  public Result reallocate(
      Set<PortKey> gone,
      Set<PortKey> added,
      Set<PortKey> exhausted,
      Map<Protocol, PortRange> ranges) {
    SortedMap<PortKey, Integer> next = new TreeMap<>(ports);
    next.keySet().removeAll(gone);
    SortedSet<PortKey> todo = new TreeSet<>(added);
    todo.addAll(exhausted);
    todo.removeAll(gone);
    todo.removeAll(next.keySet());
    if (todo.isEmpty() && next.size() == ports.size()) {
      return new Result(this, new TreeSet<>());
    }
    Map<Protocol, BitSet> used = unused();
    next.forEach(
        (key, port) ->
            used.get(rangeOf(key.protocol())).set(port - range(ranges, key.protocol()).first()));
    SortedSet<PortKey> stillExhausted = assign(todo, used, next, ranges);
    return new Result(new PortAllocation(next), stillExhausted);
  }

  /** Gives each key of {@code todo}, in order, the lowest free port; returns those left without. */
  private static SortedSet<PortKey> assign(
      SortedSet<PortKey> todo,
      Map<Protocol, BitSet> used,
      SortedMap<PortKey, Integer> next,
      Map<Protocol, PortRange> ranges) {
    SortedSet<PortKey> exhausted = new TreeSet<>();
    for (PortKey key : todo) {
      PortRange range = range(ranges, key.protocol());
      BitSet bits = used.get(rangeOf(key.protocol()));
      int free = bits.nextClearBit(0);
      if (free >= range.size()) {
        exhausted.add(key);
      } else {
        bits.set(free);
        next.put(key, range.first() + free);
      }
    }
    return exhausted;
  }

  private static Map<Protocol, BitSet> unused() {
    Map<Protocol, BitSet> used = new EnumMap<>(Protocol.class);
    for (Protocol p : Protocol.values()) {
      used.put(p, new BitSet());
    }
    return used;
  }

  private static PortRange range(Map<Protocol, PortRange> ranges, Protocol p) {
    return Objects.requireNonNull(
        ranges.get(rangeOf(p)), () -> "no port range for protocol " + p.wireName());
  }

  /**
   * The protocol whose port range a listener's proxy port comes from: an {@code auto} listener
   * serves HTTP first of all, so it shares the http range (and its free ports).
   */
  public static Protocol rangeOf(Protocol p) {
    return p == Protocol.AUTO ? Protocol.HTTP : p;
  }

  /**
   * This allocation with {@code seed}'s entries laid over it (seed wins on a key; an entry of this
   * allocation whose port the seed gives to another key is dropped and will be reallocated).
   */
  public PortAllocation overlay(PortAllocation seed) {
    if (seed.ports.isEmpty()) {
      return this;
    }
    SortedMap<PortKey, Integer> merged = new TreeMap<>(seed.ports);
    Set<Integer> taken = new TreeSet<>(seed.ports.values());
    ports.forEach(
        (k, v) -> {
          if (!merged.containsKey(k) && taken.add(v)) {
            merged.put(k, v);
          }
        });
    return new PortAllocation(merged);
  }

  /** The problem of a wanted port that found no free proxy port. */
  static Problem exhaustedProblem(PortKey key, CompileSettings settings) {
    return new Problem(
        "Service",
        key.namespace(),
        key.service(),
        "spec.ports[port=" + key.port() + "]",
        "no free proxy port left in the "
            + key.protocol().wireName()
            + " range "
            + settings.ranges().get(PortAllocation.rangeOf(key.protocol()))
            + "; port "
            + key.port()
            + " is not meshed",
        ProblemReason.PORTS_EXHAUSTED);
  }
}
