package io.nodemesh.controller.compile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.access.AccessCompiler;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyIndexer;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.TCPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TCPRouteSpec;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.TrafficTargetSpec;
import io.nodemesh.testkit.K8s;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The incremental compiler ({@link MeshCompiler}, fed by a {@link TopologyIndexer}) against a
 * compilation from scratch: random sequences of changes to a small cluster (Services, their
 * EndpointSlices, Namespaces, TrafficSplits, HTTPRouteGroups, TCPRoutes, TrafficTargets, Pods), and
 * after every step the two results must be equal: the config (same previous config and clock, so
 * even the version), the problems in their order, and the port allocation. The port ranges are
 * small so that exhaustion, and ports freed for a waiting Service, happen too.
 */
class IncrementalCompileTest {
  private static final List<String> NAMESPACES = List.of("a", "b");
  private static final List<String> SERVICES = List.of("s0", "s1", "s2", "s3", "s4", "s5");
  private static final List<String> PORTS =
      List.of("http:80", "grpc:81", "dns:53/UDP", "53", "http:8080", "80");
  private static final List<String> GROUPS = List.of("g0", "g1");

  private static CompileSettings settings(boolean acl) {
    return new CompileSettings(
        "nodemesh", "mesh", TestSettings.ranges(5009, 6003, 7002), acl, Protocol.HTTP);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void everyStepEqualsACompilationFromScratch(long seed) {
    Random random = new Random(seed);
    CompileSettings settings = settings(seed % 2 == 0);
    Cluster cluster = new Cluster(random);
    for (int i = 0; i < 30; i++) {
      cluster.change();
    }
    MeshCompiler memo = new MeshCompiler(settings);
    TopologyIndexer indexer = new TopologyIndexer();
    CompileResult last = null;
    for (int step = 0; step < 150; step++) {
      int changes = 1 + random.nextInt(3);
      List<String> done = new ArrayList<>();
      for (int c = 0; c < changes; c++) {
        done.add(cluster.change());
      }
      List<HasMetadata> objects = cluster.objects();
      Topology fromScratch = Topology.from(SourceSnapshot.of(objects), List.of());
      Topology indexed = indexer.next(SourceSnapshot.of(objects), List.of());
      assertThat(indexed).as("seed %d step %d after %s", seed, step, done).isEqualTo(fromScratch);

      PortAllocation allocation = last == null ? PortAllocation.empty() : last.allocation();
      if (last != null && random.nextInt(10) == 0) {
        // A follower, or a leader that reread the shadow Services: an equal allocation that is not
        // the memo's own object.
        allocation = PortAllocation.of(new TreeMap<>(allocation.ports()));
      }
      MeshConfig previous = last == null ? null : last.config();
      long now = 1000 + step;
      CompileResult incremental = memo.compile(indexed, allocation, previous, now);
      CompileResult expected =
          new MeshCompiler(settings).compile(fromScratch, allocation, previous, now);

      String where = "seed " + seed + " step " + step + " after " + done;
      assertThat(incremental.config()).as(where).isEqualTo(expected.config());
      assertThat(incremental.problems()).as(where).isEqualTo(expected.problems());
      assertThat(incremental.allocation()).as(where).isEqualTo(expected.allocation());
      if (settings.acl()) {
        // The access part also against the one-pass AccessCompiler, which shares no memo code.
        List<Problem> aclProblems = new ArrayList<>();
        AccessConfig direct =
            AccessCompiler.compile(fromScratch, expected.config().listeners(), aclProblems);
        assertThat(incremental.config().access()).as(where).isEqualTo(direct);
        assertThat(incremental.problems()).as(where).containsAll(aclProblems);
      }
      last = incremental;
    }
  }

  /** A small cluster changed one random object at a time, as a source's cache would be. */
  private static final class Cluster {
    private final Random random;
    // Insertion order like an informer's store: a replaced object keeps its place.
    private final Map<String, HasMetadata> objects = new LinkedHashMap<>();

    Cluster(Random random) {
      this.random = random;
    }

    List<HasMetadata> objects() {
      List<HasMetadata> out = new ArrayList<>(objects.values());
      if (random.nextInt(8) == 0) {
        // Sources promise no order; a store may come back reordered.
        Collections.shuffle(out, random);
      }
      return out;
    }

    /** Applies one random change and says what it was. */
    String change() {
      String ns = pick(NAMESPACES);
      return switch (random.nextInt(10)) {
        case 0, 1 -> put("Service", ns, pick(SERVICES), service(ns));
        case 2, 3 -> put("EndpointSlice", ns, pick(SERVICES) + "-" + random.nextInt(2), slice(ns));
        case 4 -> put("Namespace", "", ns, namespace(ns));
        case 5 -> put("TrafficSplit", ns, "t" + random.nextInt(3), split(ns));
        case 6 -> put("HTTPRouteGroup", ns, pick(GROUPS), group(ns));
        case 7 -> put("Pod", ns, "p" + random.nextInt(8), pod(ns));
        case 8 -> put("TrafficTarget", ns, "tt" + random.nextInt(2), target(ns));
        default -> put("TCPRoute", ns, "r0", tcpRoute(ns));
      };
    }

    /** Replaces, adds or (one time in four, when {@code o} is null) deletes an object. */
    private String put(String kind, String ns, String name, HasMetadata o) {
      String key = kind + " " + ns + "/" + name;
      if (o == null || random.nextInt(4) == 0) {
        objects.remove(key);
        return "delete " + key;
      }
      o.getMetadata().setNamespace(kind.equals("Namespace") ? null : ns);
      o.getMetadata().setName(name);
      objects.put(key, o);
      return "put " + key;
    }

    private String pick(List<String> from) {
      return from.get(random.nextInt(from.size()));
    }

    private String ip() {
      return "10.0.0." + (1 + random.nextInt(12));
    }

    private Service service(String ns) {
      List<String> ports = new ArrayList<>();
      for (int i = random.nextInt(3); i >= 0; i--) {
        ports.add(pick(PORTS));
      }
      Service s = K8s.service(ns, "x", ports.toArray(String[]::new));
      switch (random.nextInt(8)) {
        case 0 -> s = K8s.annotate(s, MeshCompiler.TRAFFIC_TYPE_ANNOTATION, "tcp");
        case 1 -> s = K8s.annotate(s, MeshCompiler.TRAFFIC_TYPE_ANNOTATION, "carrier-pigeon");
        case 2 -> s = K8s.label(s, MeshCompiler.IGNORE_LABEL, "true");
        case 3 -> s = new ServiceBuilder(s).editSpec().withType("ExternalName").endSpec().build();
        case 4 -> s = K8s.annotate(s, PolicyAnnotations.TIMEOUT, random.nextBoolean() ? "2s" : "x");
        default -> {
          // Plain.
        }
      }
      return s;
    }

    private HasMetadata slice(String ns) {
      List<Endpoint> eps = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        eps.add(
            K8s.endpoint(
                random.nextInt(12) == 0 ? "not-an-ip" : ip(),
                random.nextInt(5) == 0 ? Boolean.FALSE : null));
      }
      String portName = List.of("http", "grpc", "dns", "").get(random.nextInt(4));
      return K8s.slice(
          ns,
          "x",
          pick(SERVICES),
          portName.isEmpty() ? null : portName,
          8000 + random.nextInt(3),
          eps);
    }

    private HasMetadata namespace(String ns) {
      return K8s.namespace(
          ns, random.nextBoolean() ? Map.of() : Map.of(MeshCompiler.IGNORE_LABEL, "true"));
    }

    private HasMetadata split(String ns) {
      List<Object> backends = new ArrayList<>();
      for (int i = random.nextInt(3); i >= 0; i--) {
        backends.add(pick(SERVICES));
        backends.add(random.nextInt(4) == 0 ? 0 : random.nextInt(100));
      }
      TrafficSplit s = K8s.split(ns, "x", pick(SERVICES), backends.toArray());
      if (random.nextInt(3) == 0) {
        K8s.withMatches(s, pick(GROUPS));
      }
      return K8s.created(s, "2026-01-0" + (1 + random.nextInt(3)) + "T00:00:00Z");
    }

    private HasMetadata group(String ns) {
      List<HTTPMatch> matches = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        matches.add(
            new HTTPMatch(
                "m" + i,
                random.nextInt(5) == 0 ? "([" : "/api/" + i,
                List.of(random.nextBoolean() ? "GET" : "POST"),
                null));
      }
      return K8s.group(ns, "x", matches.toArray(HTTPMatch[]::new));
    }

    private Pod pod(String ns) {
      Pod p =
          new PodBuilder()
              .withNewMetadata()
              .endMetadata()
              .withNewSpec()
              .withServiceAccountName("sa" + random.nextInt(3))
              .endSpec()
              .withNewStatus()
              .withPhase(random.nextInt(6) == 0 ? "Succeeded" : "Running")
              // Local mode's YAML can hold a pod IP that is no IP address.
              .withPodIP(random.nextInt(10) == 0 ? "pod-" + random.nextInt(2) : ip())
              .endStatus()
              .build();
      if (random.nextInt(6) == 0) {
        p.getMetadata().setDeletionTimestamp("2026-01-01T00:01:00Z");
      }
      return p;
    }

    private HasMetadata target(String ns) {
      TrafficTarget t = new TrafficTarget();
      List<TrafficTargetRule> rules = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        rules.add(
            random.nextBoolean()
                ? new TrafficTargetRule(SmiKinds.HTTP_ROUTE_GROUP, pick(GROUPS), null)
                : new TrafficTargetRule(SmiKinds.TCP_ROUTE, "r0", null));
      }
      t.setSpec(
          new TrafficTargetSpec(
              new IdentityBindingSubject("ServiceAccount", "sa" + random.nextInt(3), null, null),
              rules,
              List.of(
                  new IdentityBindingSubject(
                      "ServiceAccount", "sa" + random.nextInt(3), ns, null))));
      return t;
    }

    private HasMetadata tcpRoute(String ns) {
      TCPRoute r = new TCPRoute();
      r.setSpec(new TCPRouteSpec(new TCPMatch(null, List.of(80 + random.nextInt(2)))));
      return r;
    }
  }
}
