package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodemesh.controller.Problem;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.UDPRoute;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The cluster as fabric8 shared informers see it. Every read comes from the informer caches, never
 * from the API server, so an event costs no request. SMI kinds whose CRD is not installed (the list
 * answers 404) are logged once and treated as empty: the mesh still works without them.
 */
public final class InformerSource implements ClusterSource {
  private static final System.Logger LOG = System.getLogger(InformerSource.class.getName());

  private final KubernetesClient client;
  private final String namespace;
  private final Map<Class<?>, SharedIndexInformer<?>> informers = new ConcurrentHashMap<>();
  private final Map<Class<?>, Boolean> ready = new ConcurrentHashMap<>();
  // Bumped on every event of a kind; a kind's list is copied from its store again only when its
  // count moved since the last copy, so a snapshot after one event copies one kind, and the other
  // kinds keep the very same lists (which the topology indexer then skips, see TopologyIndexer).
  private final Map<Class<?>, AtomicLong> generations = new ConcurrentHashMap<>();
  private final Map<Class<?>, Listed> listed = new ConcurrentHashMap<>();
  private final LongAdder events = new LongAdder();
  private volatile Listener listener = () -> {};
  private volatile boolean synced;

  /**
   * @param client the client, owned by the caller
   * @param namespaceOrNull the only namespace to watch, or null for all (Namespaces are always
   *     watched cluster-wide when null, and only that one Namespace's labels otherwise)
   */
  public InformerSource(KubernetesClient client, String namespaceOrNull) {
    this.client = Objects.requireNonNull(client, "InformerSource client");
    this.namespace = namespaceOrNull == null || namespaceOrNull.isBlank() ? null : namespaceOrNull;
  }

  @Override
  public void start(Listener l) {
    this.listener = Objects.requireNonNull(l, "listener");
    inform(Service.class, c -> ns(c.services()), true);
    inform(EndpointSlice.class, c -> ns(c.discovery().v1().endpointSlices()), true);
    inform(Pod.class, c -> ns(c.pods()), true);
    inform(Namespace.class, this::namespaces, true);
    inform(TrafficSplit.class, c -> ns(c.resources(TrafficSplit.class)), false);
    inform(HTTPRouteGroup.class, c -> ns(c.resources(HTTPRouteGroup.class)), false);
    inform(TCPRoute.class, c -> ns(c.resources(TCPRoute.class)), false);
    inform(UDPRoute.class, c -> ns(c.resources(UDPRoute.class)), false);
    inform(TrafficTarget.class, c -> ns(c.resources(TrafficTarget.class)), false);
  }

  private SharedIndexInformer<Namespace> namespaces(KubernetesClient c) {
    return namespace == null
        ? c.namespaces().runnableInformer(0)
        : c.namespaces().withField("metadata.name", namespace).runnableInformer(0);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> ns(MixedOperation<T, ?, ?> op) {
    return namespace == null
        ? op.inAnyNamespace().runnableInformer(0)
        : op.inNamespace(namespace).runnableInformer(0);
  }

  private <T extends HasMetadata> void inform(
      Class<T> type, Function<KubernetesClient, SharedIndexInformer<T>> factory, boolean required) {
    SharedIndexInformer<T> informer = factory.apply(client);
    AtomicLong generation = generations.computeIfAbsent(type, k -> new AtomicLong());
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            generation.incrementAndGet();
            changed();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            if (!Objects.equals(
                oldObj.getMetadata().getResourceVersion(),
                newObj.getMetadata().getResourceVersion())) {
              generation.incrementAndGet();
              changed();
            }
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            generation.incrementAndGet();
            changed();
          }
        });
    if (!required) {
      // Without the CRD the first list answers 404; do not retry forever, just run without it.
      informer.exceptionHandler((started, t) -> started || !isNotFound(t));
    }
    informers.put(type, informer);
    CompletableFuture<Void> start = informer.start().toCompletableFuture();
    start.whenComplete(
        (ok, error) -> {
          if (error != null) {
            if (!required && isNotFound(error)) {
              LOG.log(
                  Level.WARNING,
                  type.getSimpleName()
                      + " CRD is not installed (404); running without "
                      + type.getSimpleName()
                      + "s");
              informers.remove(type);
              generation.incrementAndGet();
            } else {
              LOG.log(
                  Level.ERROR, "informer for " + type.getSimpleName() + " failed to start", error);
              return;
            }
          }
          ready.put(type, true);
          if (ready.size() == 9) {
            synced = true;
          }
          changed();
        });
  }

  private static boolean isNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() == 404) {
        return true;
      }
    }
    return false;
  }

  private void changed() {
    events.increment();
    listener.changed();
  }

  /** How many informer events arrived, for metrics. */
  public long eventCount() {
    return events.sum();
  }

  @Override
  public boolean hasSynced() {
    return synced;
  }

  /** A kind's objects as copied from its store while its event count was {@code generation}. */
  private record Listed(long generation, List<?> objects) {}

  @SuppressWarnings("unchecked")
  private <T> List<T> list(Class<T> type) {
    AtomicLong generation = generations.get(type);
    // Read the count before the store: an event during the copy then makes the next snapshot copy
    // again, and the event's own trigger makes sure there is a next one.
    long now = generation == null ? -1 : generation.get();
    Listed last = listed.get(type);
    if (last != null && last.generation() == now) {
      return (List<T>) last.objects();
    }
    SharedIndexInformer<?> informer = informers.get(type);
    List<T> objects =
        informer == null ? List.of() : List.copyOf((List<T>) informer.getStore().list());
    listed.put(type, new Listed(now, objects));
    return objects;
  }

  @Override
  public SourceSnapshot snapshot() {
    return new SourceSnapshot(
        list(Service.class),
        list(EndpointSlice.class),
        list(Pod.class),
        list(Namespace.class),
        list(TrafficSplit.class),
        list(HTTPRouteGroup.class),
        list(TCPRoute.class),
        list(UDPRoute.class),
        list(TrafficTarget.class));
  }

  @Override
  public List<Problem> problems() {
    return List.of();
  }

  @Override
  public void close() {
    informers.values().forEach(SharedIndexInformer::stop);
    informers.clear();
  }

  @Override
  public String toString() {
    return "InformerSource[" + (namespace == null ? "all namespaces" : namespace) + "]";
  }
}
