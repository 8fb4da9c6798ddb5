package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.UDPRoute;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.IdentityHashMap;
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
  private static final List<Class<? extends HasMetadata>> SMI_KINDS =
      List.of(
          TrafficSplit.class,
          HTTPRouteGroup.class,
          TCPRoute.class,
          UDPRoute.class,
          TrafficTarget.class,
          // Gateway API routes (GAMMA): read the same way, optional like the SMI kinds, since users
          // install the upstream CRDs themselves (docs/gateway-api.md).
          HTTPRoute.class,
          GRPCRoute.class);

  private static final String BY_UID = "nodemesh-uid";
  private static final String BY_NODE = "nodemesh-node";

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
    for (Class<? extends HasMetadata> smi : SMI_KINDS) {
      // Read as plain documents and converted one by one (see list): under a CRD without a schema
      // one object with a value of the wrong type (ports: ["1-70000"]) would otherwise fail the
      // whole list, and the controller would never sync.
      ResourceDefinitionContext served = servedVersion(client, smi);
      inform(smi, c -> ns(c.genericKubernetesResources(served)), false);
    }
  }

  /**
   * The version of an SMI kind to watch: the current one when the API server serves it (our CRDs
   * serve every version from one stored object), else the newest accepted version it does serve. A
   * cluster that kept another project's CRD (Helm never replaces an existing CRD) may serve
   * TrafficSplit only as v1alpha1 or v1alpha2, what Flagger or Linkerd installed; watching v1alpha4
   * there would find no CRD and ignore every split. Asked through discovery, which every
   * authenticated client may read; when discovery does not answer, the current version.
   */
  static ResourceDefinitionContext servedVersion(
      KubernetesClient client, Class<? extends HasMetadata> type) {
    ResourceDefinitionContext current = ResourceDefinitionContext.fromResourceType(type);
    for (String apiVersion : SmiKinds.apiVersionsOf(HasMetadata.getKind(type))) {
      try {
        var resources = client.getApiResources(apiVersion);
        if (resources != null
            && resources.getResources().stream()
                .anyMatch(r -> current.getPlural().equals(r.getName()))) {
          if (apiVersion.equals(HasMetadata.getApiVersion(type))) {
            return current;
          }
          LOG.log(
              Level.INFO,
              "{0} is served as {1}, not {2}: watching {1}",
              current.getPlural(),
              apiVersion,
              HasMetadata.getApiVersion(type));
          return new ResourceDefinitionContext.Builder()
              .withGroup(current.getGroup())
              .withVersion(apiVersion.substring(apiVersion.indexOf('/') + 1))
              .withKind(current.getKind())
              .withPlural(current.getPlural())
              .withNamespaced(current.isNamespaceScoped())
              .build();
        }
      } catch (KubernetesClientException e) {
        // Not served, or no discovery: try the next version.
      }
    }
    return current;
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
      Class<?> type, Function<KubernetesClient, SharedIndexInformer<T>> factory, boolean required) {
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
    if (type == Pod.class) {
      // Before start: the CA looks pods up by UID and node (see podIndex).
      informer.addIndexers(
          Map.of(
              BY_UID,
              p -> List.of(String.valueOf(p.getMetadata().getUid())),
              BY_NODE,
              p -> {
                String node =
                    ((Pod) p).getSpec() == null ? null : ((Pod) p).getSpec().getNodeName();
                return node == null || node.isEmpty() ? List.of() : List.of(node);
              }));
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
          if (ready.size() == 4 + SMI_KINDS.size()) {
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

  @Override
  public PodIndex podIndex() {
    return new PodIndex() {
      @Override
      public boolean hasSynced() {
        SharedIndexInformer<?> pods = informers.get(Pod.class);
        return pods != null && pods.hasSynced();
      }

      @Override
      public Pod byUid(String uid) {
        List<Pod> found = byIndex(BY_UID, uid);
        return found.size() == 1 ? found.get(0) : null;
      }

      @Override
      public List<Pod> onNode(String node) {
        return byIndex(BY_NODE, node);
      }

      @SuppressWarnings("unchecked")
      private List<Pod> byIndex(String index, String key) {
        SharedIndexInformer<?> pods = informers.get(Pod.class);
        if (pods == null || key == null) {
          return List.of();
        }
        return List.copyOf(((SharedIndexInformer<Pod>) pods).getIndexer().byIndex(index, key));
      }
    };
  }

  /**
   * A kind's objects as copied from its store while its event count was {@code generation}; for SMI
   * kinds also each stored document's typed object (so that an unchanged document gives the very
   * same object next time) and the documents that could not be read.
   */
  private record Listed(
      long generation,
      List<?> objects,
      Map<GenericKubernetesResource, Object> typed,
      List<Problem> problems) {}

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
    List<?> stored = informer == null ? List.of() : informer.getStore().list();
    if (!SMI_KINDS.contains(type)) {
      List<T> objects = List.copyOf((List<T>) stored);
      listed.put(type, new Listed(now, objects, Map.of(), List.of()));
      return objects;
    }
    Map<GenericKubernetesResource, Object> before = last == null ? Map.of() : last.typed();
    Map<GenericKubernetesResource, Object> typed = new IdentityHashMap<>();
    List<T> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Object o : stored) {
      GenericKubernetesResource doc = (GenericKubernetesResource) o;
      Object t = before.get(doc);
      if (t == null) {
        try {
          t = client.getKubernetesSerialization().convertValue(doc, type);
        } catch (RuntimeException e) {
          problems.add(unreadable(type, doc, e));
          continue;
        }
      }
      typed.put(doc, t);
      objects.add((T) t);
    }
    List<T> copy = List.copyOf(objects);
    listed.put(type, new Listed(now, copy, typed, List.copyOf(problems)));
    return copy;
  }

  private static Problem unreadable(Class<?> type, GenericKubernetesResource doc, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int newline = why.indexOf('\n');
    return new Problem(
        type.getSimpleName(),
        doc.getMetadata() == null ? null : doc.getMetadata().getNamespace(),
        doc.getMetadata() == null ? null : doc.getMetadata().getName(),
        "spec",
        "does not fit the "
            + type.getSimpleName()
            + " schema, object skipped: "
            + (newline < 0 ? why : why.substring(0, newline)),
        ProblemReason.INVALID_SPEC);
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
        list(TrafficTarget.class),
        list(HTTPRoute.class),
        list(GRPCRoute.class));
  }

  /** The SMI objects that could not be read as their kind, as of the last snapshot. */
  @Override
  public List<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    for (Class<?> type : SMI_KINDS) {
      Listed l = listed.get(type);
      if (l != null) {
        out.addAll(l.problems());
      }
    }
    return out;
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
