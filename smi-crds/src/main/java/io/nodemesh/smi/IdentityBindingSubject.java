package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A workload identity in a {@link TrafficTarget}: a ServiceAccount, with its namespace.
 *
 * <p>An absent namespace means the TrafficTarget's own namespace (see {@link SmiValidator}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IdentityBindingSubject {
  /** Kind of the identity; only {@code ServiceAccount} is valid. */
  private String kind;

  /** Name of the ServiceAccount. */
  private String name;

  /** Namespace of the ServiceAccount; absent means the TrafficTarget's namespace. */
  private String namespace;

  /** Optional destination port (destination only), 1..65535. */
  private Integer port;

  /** Creates an empty instance, as Jackson needs. */
  public IdentityBindingSubject() {}

  /** Creates an instance with every field set (any may be null). */
  public IdentityBindingSubject(String kind, String name, String namespace, Integer port) {
    this.kind = kind;
    this.name = name;
    this.namespace = namespace;
    this.port = port;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdentityBindingSubject other
        && Objects.equals(kind, other.kind)
        && Objects.equals(name, other.name)
        && Objects.equals(namespace, other.namespace)
        && Objects.equals(port, other.port);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, namespace, port);
  }

  @Override
  public String toString() {
    return "IdentityBindingSubject{"
        + "kind="
        + kind
        + ", name="
        + name
        + ", namespace="
        + namespace
        + ", port="
        + port
        + "}";
  }
}
