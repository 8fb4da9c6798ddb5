package io.nodemesh.smi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** One named HTTP match of an {@link HTTPRouteGroup}; all given conditions must hold (AND). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HTTPMatch {
  /** Name that TrafficTarget rules use to select this match. */
  private String name;

  /** Regex anchored at the start of the path; absent means any path. */
  private String pathRegex;

  /** HTTP methods or {@code *}; absent means any method. */
  private List<String> methods;

  /** Header name to a regex on its value; all must match. */
  private Map<String, String> headers;

  /** Creates an empty instance, as Jackson needs. */
  public HTTPMatch() {}

  /** Creates an instance with every field set (any may be null). */
  public HTTPMatch(
      String name, String pathRegex, List<String> methods, Map<String, String> headers) {
    this.name = name;
    this.pathRegex = pathRegex;
    this.methods = methods;
    this.headers = headers;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getPathRegex() {
    return pathRegex;
  }

  public void setPathRegex(String pathRegex) {
    this.pathRegex = pathRegex;
  }

  public List<String> getMethods() {
    return methods;
  }

  public void setMethods(List<String> methods) {
    this.methods = methods;
  }

  public Map<String, String> getHeaders() {
    return headers;
  }

  public void setHeaders(Map<String, String> headers) {
    this.headers = headers;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HTTPMatch other
        && Objects.equals(name, other.name)
        && Objects.equals(pathRegex, other.pathRegex)
        && Objects.equals(methods, other.methods)
        && Objects.equals(headers, other.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, pathRegex, methods, headers);
  }

  @Override
  public String toString() {
    return "HTTPMatch{"
        + "name="
        + name
        + ", pathRegex="
        + pathRegex
        + ", methods="
        + methods
        + ", headers="
        + headers
        + "}";
  }
}
