package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * The controller's own Pod cache, looked up by UID and by node: what the CA needs to learn on which
 * node a requesting proxy runs and which ServiceAccounts live there (issue 14). Read from the
 * informer's store, never from the API server.
 */
public interface PodIndex {
  /** True once the Pod informer has listed every pod; before that nothing may be concluded. */
  boolean hasSynced();

  /** The pod with {@code uid}, or null. */
  Pod byUid(String uid);

  /** The pods whose {@code spec.nodeName} is {@code node}, live or not. */
  List<Pod> onNode(String node);

  /** No pods, never synced: whoever asks it fails closed (local mode has no nodes). */
  static PodIndex none() {
    return new PodIndex() {
      @Override
      public boolean hasSynced() {
        return false;
      }

      @Override
      public Pod byUid(String uid) {
        return null;
      }

      @Override
      public List<Pod> onNode(String node) {
        return List.of();
      }
    };
  }
}
