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
 * SMI {@code TrafficSplit} ({@code split.smi-spec.io/v1alpha4}): weighted routing from a root
 * Service to backend Services. Older apiVersions (v1alpha2, v1alpha3) deserialise into this model,
 * see {@link SmiKinds}.
 */
@Group(SmiKinds.SPLIT_GROUP)
@Version(SmiKinds.SPLIT_VERSION)
@Kind(SmiKinds.TRAFFIC_SPLIT)
@Plural("trafficsplits")
@Singular("trafficsplit")
@JsonIgnoreProperties(ignoreUnknown = true)
public class TrafficSplit extends CustomResource<TrafficSplitSpec, Void> implements Namespaced {

  /** Creates an empty object, as Jackson and fabric8 need. */
  public TrafficSplit() {}
}
