package io.nodemesh.controller.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Starting an informer whose owner recomputes from the cache whatever the event was. */
public final class Informers {
  private Informers() {}

  /**
   * Runs {@code onChange} on every add, update and delete, starts {@code informer}, and runs {@code
   * onChange} once more when the first list is in, or when starting failed (logged on {@code log}
   * as "{@code what} failed"); returns at once.
   */
  public static <T extends HasMetadata> void startNotifying(
      SharedIndexInformer<T> informer, Runnable onChange, Logger log, String what) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            onChange.run();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            onChange.run();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.run();
          }
        });
    informer
        .start()
        .whenComplete(
            (ok, e) -> {
              if (e != null) {
                log.log(Level.ERROR, what + " failed", e);
              }
              onChange.run();
            });
  }
}
