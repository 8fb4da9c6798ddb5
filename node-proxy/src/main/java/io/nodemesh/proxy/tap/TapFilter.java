package io.nodemesh.proxy.tap;

import java.util.Map;

/**
 * Which requests a tap wants; every field is optional (null matches all) and all given fields must
 * match. Values come from whoever opens the tap, so each is bounded and checked here.
 *
 * @param namespace the called Service's namespace
 * @param service the called Service's name
 * @param pathPrefix the request target starts with this (query included)
 * @param statusClass 1..5 for {@code 1xx}..{@code 5xx}, or 0
 * @param status an exact status, or 0
 * @param source the caller's service account or IP address
 */
public record TapFilter(
    String namespace,
    String service,
    String pathPrefix,
    int statusClass,
    int status,
    String source) {
  /** Longest value of any field: longer than any Kubernetes name or sensible path prefix. */
  public static final int MAX_VALUE = 256;

  public TapFilter {
    check("namespace", namespace);
    check("service", service);
    check("path", pathPrefix);
    check("source", source);
    if (pathPrefix != null && !pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException("tap path '" + pathPrefix + "' must start with '/'");
    }
    if (statusClass < 0 || statusClass > 5 || (status != 0 && (status < 100 || status > 599))) {
      throw new IllegalArgumentException("tap status must be 100..599 or 1xx..5xx");
    }
  }

  /** Matches every request. */
  public static TapFilter all() {
    return new TapFilter(null, null, null, 0, 0, null);
  }

  /**
   * Reads the query parameters {@code service} ({@code name} or {@code namespace/name}), {@code
   * path}, {@code status} ({@code 503} or {@code 5xx}) and {@code source}; blank means absent.
   *
   * @throws IllegalArgumentException naming the parameter that is wrong
   */
  public static TapFilter parse(Map<String, String> query) {
    String service = blankToNull(query.get("service"));
    String namespace = null;
    if (service != null && service.indexOf('/') >= 0) {
      int slash = service.indexOf('/');
      namespace = service.substring(0, slash);
      service = service.substring(slash + 1);
      if (namespace.isEmpty() || service.isEmpty() || service.indexOf('/') >= 0) {
        throw new IllegalArgumentException(
            "tap service must be 'name' or 'namespace/name', not '" + query.get("service") + "'");
      }
    }
    String status = blankToNull(query.get("status"));
    int statusClass = 0;
    int exact = 0;
    if (status != null) {
      if (status.length() == 3
          && status.endsWith("xx")
          && status.charAt(0) >= '1'
          && status.charAt(0) <= '5') {
        statusClass = status.charAt(0) - '0';
      } else if (status.length() == 3 && status.chars().allMatch(Character::isDigit)) {
        exact = Integer.parseInt(status);
      } else {
        throw new IllegalArgumentException(
            "tap status must be a code like 503 or a class like 5xx, not '" + clip(status) + "'");
      }
    }
    return new TapFilter(
        namespace,
        service,
        blankToNull(query.get("path")),
        statusClass,
        exact,
        blankToNull(query.get("source")));
  }

  /** Whether a request is one this tap wants. */
  public boolean matches(TapEvent e) {
    return (namespace == null || namespace.equals(e.namespace()))
        && (service == null || service.equals(e.service()))
        && (pathPrefix == null || (e.path() != null && e.path().startsWith(pathPrefix)))
        && (statusClass == 0 || e.status() / 100 == statusClass)
        && (status == 0 || e.status() == status)
        && (source == null || source.equals(e.sourceIdentity()) || sourceIp(e.sourceAddress()));
  }

  private boolean sourceIp(String address) {
    return address != null
        && address.length() > source.length()
        && address.startsWith(source)
        && address.charAt(source.length()) == ':';
  }

  private static void check(String name, String value) {
    if (value == null) {
      return;
    }
    if (value.length() > MAX_VALUE) {
      throw new IllegalArgumentException(
          "tap " + name + " is longer than " + MAX_VALUE + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c == 0x7f) {
        throw new IllegalArgumentException("tap " + name + " holds a space or control character");
      }
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String clip(String s) {
    return s.length() > 20 ? s.substring(0, 20) + "..." : s;
  }
}
