package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.smi.SmiKinds;

/**
 * Gateway API routes as their authors write them, in YAML (GAMMA: attached to Services). Parent
 * refs and rules are YAML list items starting at column 0; {@code generation: 3} lets a test tell
 * the status's {@code observedGeneration} from a default, and a test may replace that line to add
 * metadata.
 */
public final class GatewayApi {
  private GatewayApi() {}

  /** A parent ref to the Service of this name in the route's namespace. */
  public static String serviceParent(String name) {
    return "- {name: " + name + ", kind: Service, group: \"\"}\n";
  }

  public static String httpRoute(String ns, String name, String parentRefs, String rules) {
    return route("HTTPRoute", ns, name, parentRefs, rules);
  }

  public static String grpcRoute(String ns, String name, String parentRefs, String rules) {
    return route("GRPCRoute", ns, name, parentRefs, rules);
  }

  /** The one object of this YAML, read as the controller reads it. */
  public static HasMetadata read(String yaml) {
    return (HasMetadata) SmiKinds.unmarshal(SmiKinds.newSerialization(), yaml);
  }

  private static String route(String kind, String ns, String name, String parents, String rules) {
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: %s
        metadata:
          name: %s
          namespace: %s
          generation: 3
        spec:
          parentRefs:
        %s  rules:
        %s"""
        .formatted(kind, name, ns, parents.indent(4), rules.indent(4));
  }
}
