package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * SMI {@code UDPRoute} ({@code specs.smi-spec.io/v1alpha4}): UDP traffic to some or all ports of a
 * Service, referred to by TrafficTargets.
 */
@Group(SmiKinds.SPECS_GROUP)
@Version(SmiKinds.SPECS_VERSION)
@Kind(SmiKinds.UDP_ROUTE)
@Plural("udproutes")
@Singular("udproute")
@JsonIgnoreProperties(ignoreUnknown = true)
public class UDPRoute extends CustomResource<UDPRouteSpec, Void> implements Namespaced {

  /** Creates an empty object, as Jackson and fabric8 need. */
  public UDPRoute() {}
}
