package io.nodemesh.config.wire;

/**
 * The labels and annotation the controller writes on every shadow Service. The mesh DNS server
 * finds shadows by {@link #MANAGED_BY_LABEL} and answers {@code name.namespace.mesh} from the two
 * source labels (shadow names carry a hash, so they cannot be reversed); {@code nodemesh check}
 * lists shadows by the same selector.
 */
public final class ShadowLabels {
  private ShadowLabels() {}

  /** The Kubernetes recommended label for the tool that manages an object. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  /** The value of {@link #MANAGED_BY_LABEL} on everything Nodemesh owns. */
  public static final String MANAGED_BY = "nodemesh";

  /** The namespace of the Service a shadow stands for. */
  public static final String SOURCE_NAMESPACE_LABEL = "nodemesh.io/source-namespace";

  /** The name of the Service a shadow stands for. */
  public static final String SOURCE_NAME_LABEL = "nodemesh.io/source-name";

  /** {@code namespace/name} of the source Service, readable in {@code kubectl describe}. */
  public static final String SOURCE_ANNOTATION = "nodemesh.io/source";
}
