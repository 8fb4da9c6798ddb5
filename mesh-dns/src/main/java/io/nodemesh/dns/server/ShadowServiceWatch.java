package io.nodemesh.dns.server;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodemesh.config.wire.ShadowLabels;
import java.lang.System.Logger.Level;

/**
 * Keeps {@link MeshNames} equal to the shadow Services of the mesh namespace (those labelled {@code
 * app.kubernetes.io/managed-by=nodemesh}), through one informer: the table is rebuilt from the
 * informer's cache on every change.
 */
public final class ShadowServiceWatch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ShadowServiceWatch.class.getName());

  private final SharedIndexInformer<Service> informer;

  private ShadowServiceWatch(SharedIndexInformer<Service> informer) {
    this.informer = informer;
  }

  /** Starts watching; {@link MeshNames#loaded()} turns true once the first list has arrived. */
  public static ShadowServiceWatch start(
      KubernetesClient client, String meshNamespace, MeshNames names) {
    SharedIndexInformer<Service> informer =
        client
            .services()
            .inNamespace(meshNamespace)
            .withLabel(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
            .runnableInformer(0);
    ShadowServiceWatch watch = new ShadowServiceWatch(informer);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Service s) {
            watch.rebuild(names);
          }

          @Override
          public void onUpdate(Service before, Service after) {
            watch.rebuild(names);
          }

          @Override
          public void onDelete(Service s, boolean finalStateUnknown) {
            watch.rebuild(names);
          }

          @Override
          public void onNothing() {
            watch.rebuild(names);
          }
        });
    // An empty namespace produces no onAdd; the synced store is still the truth.
    informer.start().thenRun(() -> watch.rebuild(names));
    return watch;
  }

  private void rebuild(MeshNames names) {
    if (!informer.hasSynced()) {
      return;
    }
    names.replace(informer.getStore().list());
    LOG.log(Level.DEBUG, "mesh names: {0}", names.size());
  }

  @Override
  public void close() {
    informer.close();
  }
}
