package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.smi.TCPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TCPRouteSpec;
import io.nodemesh.smi.UDPMatch;
import io.nodemesh.smi.UDPRoute;
import io.nodemesh.smi.UDPRouteSpec;
import java.util.List;

/** SMI TCPRoutes and UDPRoutes that match these pod ports (the {@link K8s} builders' siblings). */
public final class SmiRoutes {
  private SmiRoutes() {}

  public static TCPRoute tcpRoute(String ns, String name, Integer... ports) {
    TCPRoute r = named(new TCPRoute(), ns, name);
    r.setSpec(new TCPRouteSpec(new TCPMatch(null, List.of(ports))));
    return r;
  }

  public static UDPRoute udpRoute(String ns, String name, Integer... ports) {
    UDPRoute r = named(new UDPRoute(), ns, name);
    r.setSpec(new UDPRouteSpec(new UDPMatch(null, List.of(ports))));
    return r;
  }

  private static <T extends HasMetadata> T named(T object, String ns, String name) {
    object.getMetadata().setNamespace(ns);
    object.getMetadata().setName(name);
    return object;
  }
}
