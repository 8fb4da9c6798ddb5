package io.nodemesh.controller.api;

import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The configuration being served, the last few versions before it (so that a proxy holding one of
 * them gets a delta instead of the whole config), and a way to wait for the next one. Waiting
 * blocks the calling thread on a future; Helidon 4 runs every request on its own virtual thread, so
 * a long poll costs no platform thread.
 */
public final class ConfigHub {
  /** How many versions before the current one a delta may start from. */
  public static final int DEFAULT_HISTORY = 16;

  /**
   * The system property that overrides {@link #DEFAULT_HISTORY} for hubs made with the one-argument
   * constructor (the controller's); 0 turns deltas off, so every change is sent whole.
   */
  public static final String HISTORY_PROPERTY = "nodemesh.config.history";

  private final int historySize;
  // Newest first, the current version included (it is the next one's base). Unchanged listeners are
  // the same objects in
  // every entry, so the history costs about one config plus what changed, not historySize copies.
  private final ArrayDeque<MeshConfig> history = new ArrayDeque<>();
  private volatile ServedConfig current;
  private volatile boolean ready;
  private CompletableFuture<ServedConfig> next = new CompletableFuture<>();

  public ConfigHub(MeshConfig initial) {
    this(initial, Integer.getInteger(HISTORY_PROPERTY, DEFAULT_HISTORY));
  }

  /**
   * As above, keeping {@code historySize} older versions for deltas (0: always the full config).
   */
  public ConfigHub(MeshConfig initial, int historySize) {
    Objects.requireNonNull(initial, "initial");
    if (historySize < 0) {
      throw new IllegalArgumentException("config hub history " + historySize + " is negative");
    }
    this.historySize = historySize;
    this.current = served(initial);
  }

  public MeshConfig current() {
    return current.config();
  }

  /** The config being served, with its encoded bodies. */
  ServedConfig served() {
    return current;
  }

  /**
   * Whether a config compiled from a synced source has been published, and compiles are not
   * failing: after {@link #FAILED_COMPILES_UNREADY} whole compiles in a row failed, the config
   * served may be stale (a deleted TrafficTarget still in force), so the replica says so.
   */
  public boolean isReady() {
    return ready && failedCompiles < FAILED_COMPILES_UNREADY;
  }

  /** Failed compiles in a row after which {@link #isReady} is false (issue 13). */
  public static final int FAILED_COMPILES_UNREADY = 3;

  private volatile int failedCompiles;

  /**
   * Records the outcome of a whole compile: a failure counts towards not ready, a success resets
   * the count. Called by the compiling thread only.
   */
  public void compiled(boolean ok) {
    failedCompiles = ok ? 0 : failedCompiles + 1;
  }

  /** Why {@link #isReady} is false, for {@code /readyz}. */
  public String notReadyReason() {
    return !ready
        ? "waiting for the first config"
        : failedCompiles + " compiles in a row failed; serving the last good config";
  }

  /** Publishes a config; wakes every waiter if its version is new. */
  public void publish(MeshConfig config, boolean fromSyncedSource) {
    CompletableFuture<ServedConfig> wake = null;
    ServedConfig served = null;
    synchronized (this) {
      if (config.version() != current.version()) {
        served = served(config);
        current = served;
        wake = next;
        next = new CompletableFuture<>();
      }
      ready |= fromSyncedSource;
    }
    if (wake != null) {
      wake.complete(served);
    }
  }

  /** Records {@code config} in the history; the caller holds the lock (or is the constructor). */
  private ServedConfig served(MeshConfig config) {
    MeshConfig shared = share(history.peekFirst(), config);
    List<MeshConfig> bases = new ArrayList<>(history);
    if (historySize > 0) {
      history.addFirst(shared);
      while (history.size() > historySize) {
        history.removeLast();
      }
    }
    return new ServedConfig(config, shared, bases);
  }

  /** {@code config} with each listener equal to one of {@code previous} replaced by that one. */
  private static MeshConfig share(MeshConfig previous, MeshConfig config) {
    if (previous == null) {
      return config;
    }
    Map<String, ListenerConfig> old = new HashMap<>(previous.listeners().size() * 2);
    for (ListenerConfig l : previous.listeners()) {
      old.put(l.key(), l);
    }
    List<ListenerConfig> listeners = new ArrayList<>(config.listeners().size());
    for (ListenerConfig l : config.listeners()) {
      ListenerConfig o = old.get(l.key());
      listeners.add(o != null && o.equals(l) ? o : l);
    }
    return new MeshConfig(
        config.version(), config.meshDomain(), listeners, config.access(), config.tunnel());
  }

  /**
   * The current config if it is newer than {@code version}, else the first newer one published
   * within {@code wait}, or null.
   *
   * <p>Newer, not merely different: every replica compiles on its own, so the same content gets a
   * slightly different (wall-clock based) version on each. A proxy whose requests alternate between
   * replicas would otherwise be answered at once by each in turn and poll in a tight loop. A proxy
   * ahead of this replica waits until this replica has something newer.
   */
  public MeshConfig awaitNewer(long version, Duration wait) throws InterruptedException {
    ServedConfig s = awaitNewerServed(version, wait);
    return s == null ? null : s.config();
  }

  /** As {@link #awaitNewer}, with the encoded bodies. */
  ServedConfig awaitNewerServed(long version, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      CompletableFuture<ServedConfig> f;
      synchronized (this) {
        if (current.version() > version) {
          return current;
        }
        f = next;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      try {
        f.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return null;
      } catch (ExecutionException e) {
        throw new IllegalStateException("config future failed", e.getCause());
      }
    }
  }
}
