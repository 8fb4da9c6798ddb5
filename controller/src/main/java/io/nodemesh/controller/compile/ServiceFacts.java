package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one meshed Service contributes before ports are allocated: its protocol, policy and ports,
 * read by {@link #read}; and which Services and namespaces are meshed at all.
 *
 * @param service the Service object these facts were read from
 * @param policy its policy annotations
 * @param wanted its meshed ports, in the order the Service lists them
 * @param problems what was wrong with its annotations and ports
 */
record ServiceFacts(
    Service service,
    ServicePolicy policy,
    Map<PortKey, ServicePort> wanted,
    List<Problem> problems) {
  private static final String SERVICE = "Service";

  /** Reads a meshed Service's protocol, policy and ports. */
  static ServiceFacts read(Service svc, CompileSettings settings) {
    List<Problem> problems = new ArrayList<>();
    // Null when the Service says nothing: each port then declares its own protocol, if any.
    Protocol annotated = trafficType(svc, settings.defaultTrafficType(), problems);
    ServicePolicy policy = PolicyAnnotations.parse(svc, problems);
    ProxyProtocolPorts.of(svc, problems);
    Map<PortKey, ServicePort> wanted = new LinkedHashMap<>();
    List<ServicePort> ports = svc.getSpec().getPorts();
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; ports != null && i < ports.size(); i++) {
      ServicePort sp = ports.get(i);
      if (sp == null || sp.getPort() == null || sp.getPort() < 1 || sp.getPort() > 65535) {
        // The API server never stores such a port, but local mode's YAML can hold one.
        problems.add(
            new Problem(
                SERVICE,
                svc.getMetadata().getNamespace(),
                svc.getMetadata().getName(),
                "spec.ports[" + i + "].port",
                "port "
                    + (sp == null ? null : sp.getPort())
                    + " is not in 1..65535; this port is not meshed",
                ProblemReason.INVALID_SPEC));
        continue;
      }
      if (!seen.add(sp.getPort())) {
        // A listener is identified by namespace/service:port, so 53/TCP next to 53/UDP cannot
        // both be meshed; the first one listed wins.
        problems.add(
            new Problem(
                SERVICE,
                svc.getMetadata().getNamespace(),
                svc.getMetadata().getName(),
                "spec.ports[" + i + "]",
                "port "
                    + sp.getPort()
                    + " is listed twice ("
                    + sp.getProtocol()
                    + "); only the first is meshed",
                ProblemReason.PORT_CONFLICT));
        continue;
      }
      Protocol protocol =
          "UDP".equalsIgnoreCase(sp.getProtocol())
              ? Protocol.UDP
              : annotated != null
                  ? annotated
                  : PortProtocols.declared(svc, sp, i, settings.defaultTrafficType(), problems);
      wanted.put(
          new PortKey(
              svc.getMetadata().getNamespace(),
              svc.getMetadata().getName(),
              sp.getPort(),
              protocol),
          sp);
    }
    if (wanted.keySet().stream().anyMatch(k -> k.protocol() == Protocol.UDP)) {
      PolicyAnnotations.reportUdpIdle(svc, policy, problems);
    }
    return new ServiceFacts(
        svc, policy, Collections.unmodifiableMap(wanted), List.copyOf(problems));
  }

  /** Whether a Service takes part in the mesh, given its Namespace (or null). */
  static boolean meshed(Service s, Namespace namespace, CompileSettings settings) {
    String ns = s.getMetadata().getNamespace();
    return s.getSpec() != null
        && !"ExternalName".equals(s.getSpec().getType())
        && !ignored(s)
        && ns != null
        && meshedNamespace(ns, namespace, settings.meshNamespace());
  }

  /**
   * Whether the namespace {@code name} takes part in the mesh: not the mesh's own, not {@code
   * kube-system}, not labelled {@value MeshCompiler#IGNORE_LABEL}.
   *
   * @param namespace its Namespace object, or null when the source has none
   */
  static boolean meshedNamespace(String name, Namespace namespace, String meshNamespace) {
    return !name.equals(meshNamespace) && !name.equals("kube-system") && !ignored(namespace);
  }

  static boolean ignored(HasMetadata o) {
    if (o == null || o.getMetadata().getLabels() == null) {
      return false;
    }
    return "true".equalsIgnoreCase(o.getMetadata().getLabels().get(MeshCompiler.IGNORE_LABEL));
  }

  /** The annotated protocol, or null when there is none or it is invalid (reported). */
  private static Protocol trafficType(Service svc, Protocol defaultType, List<Problem> problems) {
    Map<String, String> annotations = svc.getMetadata().getAnnotations();
    String key = MeshCompiler.TRAFFIC_TYPE_ANNOTATION;
    if (annotations != null && !annotations.containsKey(key)) {
      // Traefik Mesh's annotation, same values (TraefikMeshAliases); ours wins when both are set.
      String alias = TraefikMeshAliases.aliasKey(annotations, TraefikMeshAliases.TRAFFIC_TYPE);
      key = alias == null ? key : alias;
    }
    String value = annotations == null ? null : annotations.get(key);
    if (value == null) {
      return null;
    }
    try {
      return Protocol.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(
          new Problem(
              SERVICE,
              svc.getMetadata().getNamespace(),
              svc.getMetadata().getName(),
              "metadata.annotations[" + key + "]",
              "invalid value '"
                  + value
                  + "' (expected http, tcp, udp or auto); each port's appProtocol or name decides"
                  + " (docs/protocols.md), else using "
                  + defaultType.wireName(),
              ProblemReason.INVALID_ANNOTATION));
      return null;
    }
  }
}
