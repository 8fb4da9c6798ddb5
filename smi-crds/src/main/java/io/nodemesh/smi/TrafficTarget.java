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
 * SMI {@code TrafficTarget} ({@code access.smi-spec.io/v1alpha3}): allows sources (ServiceAccounts)
 * to send the traffic named by its rules to a destination (ServiceAccount). v1alpha2 deserialises
 * into this model too.
 */
@Group(SmiKinds.ACCESS_GROUP)
@Version(SmiKinds.ACCESS_VERSION)
@Kind(SmiKinds.TRAFFIC_TARGET)
@Plural("traffictargets")
@Singular("traffictarget")
@JsonIgnoreProperties(ignoreUnknown = true)
public class TrafficTarget extends CustomResource<TrafficTargetSpec, Void> implements Namespaced {

  /** Creates an empty object, as Jackson and fabric8 need. */
  public TrafficTarget() {}
}
