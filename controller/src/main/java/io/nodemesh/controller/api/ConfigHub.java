package io.nodemesh.controller.api;

import io.nodemesh.config.MeshConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The configuration being served, and a way to wait for the next one. Waiting blocks the calling
 * thread on a future; Helidon 4 runs every request on its own virtual thread, so a long poll costs
 * no platform thread.
 */
public final class ConfigHub {
  private volatile MeshConfig current;
  private volatile boolean ready;
  private CompletableFuture<MeshConfig> next = new CompletableFuture<>();

  public ConfigHub(MeshConfig initial) {
    this.current = Objects.requireNonNull(initial, "initial");
  }

  public MeshConfig current() {
    return current;
  }

  /** Whether a config compiled from a synced source has been published. */
  public boolean isReady() {
    return ready;
  }

  /** Publishes a config; wakes every waiter if its version is new. */
  public void publish(MeshConfig config, boolean fromSyncedSource) {
    CompletableFuture<MeshConfig> wake = null;
    synchronized (this) {
      if (config.version() != current.version()) {
        current = config;
        wake = next;
        next = new CompletableFuture<>();
      }
      ready |= fromSyncedSource;
    }
    if (wake != null) {
      wake.complete(config);
    }
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
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      CompletableFuture<MeshConfig> f;
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
