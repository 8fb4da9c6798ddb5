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
 * SMI {@code TCPRoute} ({@code specs.smi-spec.io/v1alpha4}): TCP traffic to some or all ports of a
 * Service, referred to by TrafficTargets. v1alpha3 deserialises into this model too.
 */
@Group(SmiKinds.SPECS_GROUP)
@Version(SmiKinds.SPECS_VERSION)
@Kind(SmiKinds.TCP_ROUTE)
@Plural("tcproutes")
@Singular("tcproute")
@JsonIgnoreProperties(ignoreUnknown = true)
public class TCPRoute extends CustomResource<TCPRouteSpec, Void> implements Namespaced {

  /** Creates an empty object, as Jackson and fabric8 need. */
  public TCPRoute() {}
}
