package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.ClusterSource;
import io.nodemesh.controller.source.SourceSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster held in memory, changed by the benchmark: what an informer cache looks like to the
 * controller, without an API server's latency in the measurement.
 */
final class MemorySource implements ClusterSource {
  private final List<HasMetadata> objects;
  private volatile Listener listener;

  MemorySource(List<HasMetadata> objects) {
    this.objects = new ArrayList<>(objects);
  }

  /** Replaces the object at {@code index} and tells the controller. */
  void replace(int index, HasMetadata object) {
    synchronized (objects) {
      objects.set(index, object);
    }
    Listener l = listener;
    if (l != null) {
      l.changed();
    }
  }

  /** The index of the first object with this name. */
  int indexOf(String name) {
    synchronized (objects) {
      for (int i = 0; i < objects.size(); i++) {
        if (objects.get(i).getMetadata().getName().equals(name)) {
          return i;
        }
      }
    }
    throw new IllegalArgumentException("memory source: no object named " + name);
  }

  @Override
  public void start(Listener l) {
    listener = l;
    l.changed();
  }

  @Override
  public boolean hasSynced() {
    return true;
  }

  @Override
  public SourceSnapshot snapshot() {
    synchronized (objects) {
      return SourceSnapshot.of(objects);
    }
  }

  @Override
  public List<Problem> problems() {
    return List.of();
  }

  @Override
  public void close() {
    listener = null;
  }

  @Override
  public String toString() {
    return "memory source (" + objects.size() + " objects)";
  }
}
