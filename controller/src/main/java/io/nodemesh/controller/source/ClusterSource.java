package io.nodemesh.controller.source;

import io.nodemesh.controller.common.Problem;
import java.util.List;

/**
 * Where the controller reads the cluster from. Implementations keep their own cache and tell the
 * listener that something changed; the controller then takes a {@link #snapshot()} (debounced), so
 * a listener call carries no data and may be coalesced freely.
 */
public interface ClusterSource extends AutoCloseable {

  /** Called after any change; must be cheap and must not block (it runs on source threads). */
  @FunctionalInterface
  interface Listener {
    void changed();
  }

  /** Starts watching; returns at once. Calls {@code listener} on every change and once synced. */
  void start(Listener listener);

  /** Whether the first complete view has been read (the informers synced, the files read). */
  boolean hasSynced();

  /** The objects as they are now, from the cache. */
  SourceSnapshot snapshot();

  /** Problems the source itself found (a file that does not parse), current only. */
  List<Problem> problems();

  @Override
  void close();

  /** The pods by UID and node, for the CA; {@link PodIndex#none()} where there are no nodes. */
  default PodIndex podIndex() {
    return PodIndex.none();
  }
}
