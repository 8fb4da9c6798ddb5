package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A Gateway API HTTPRoute filter as the proxy applies it. The JSON carries the Gateway API filter
 * name in {@code type}; a proxy refuses a config with a type it does not know (rather than skip a
 * redirect or a header removal that a newer controller meant).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(
      value = RouteFilter.RequestHeaderModifier.class,
      name = "RequestHeaderModifier"),
  @JsonSubTypes.Type(
      value = RouteFilter.ResponseHeaderModifier.class,
      name = "ResponseHeaderModifier"),
  @JsonSubTypes.Type(value = RouteFilter.RequestRedirect.class, name = "RequestRedirect"),
  @JsonSubTypes.Type(value = RouteFilter.UrlRewrite.class, name = "URLRewrite"),
  @JsonSubTypes.Type(value = RouteFilter.RequestMirror.class, name = "RequestMirror")
})
public sealed interface RouteFilter {
  /** Headers set, added or removed (Gateway API HTTPHeaderFilter). */
  record RequestHeaderModifier(HeaderEdits edits) implements RouteFilter {
    public RequestHeaderModifier {
      Objects.requireNonNull(edits, "RequestHeaderModifier edits");
    }
  }

  /** As {@link RequestHeaderModifier}, on the response head sent back to the client. */
  record ResponseHeaderModifier(HeaderEdits edits) implements RouteFilter {
    public ResponseHeaderModifier {
      Objects.requireNonNull(edits, "ResponseHeaderModifier edits");
    }
  }

  /**
   * Answers with a redirect instead of forwarding (Gateway API HTTPRequestRedirectFilter).
   *
   * @param scheme {@code http} or {@code https}, or null to keep the request's
   * @param hostname the new host, or null to keep the request's {@code Host}
   * @param path how the path changes, or null to keep it
   * @param port the new port, or null: the scheme's well-known port is then left out of {@code
   *     Location}
   * @param statusCode 301, 302, 303, 307 or 308; 0 means 302
   */
  record RequestRedirect(
      String scheme, String hostname, RouteRule.PathModifier path, Integer port, int statusCode)
      implements RouteFilter {
    public RequestRedirect {
      if (scheme != null) {
        scheme = scheme.toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          throw new IllegalArgumentException(
              "RequestRedirect: scheme '" + RouteRule.clip(scheme) + "' is not http or https");
        }
      }
      checkHost("RequestRedirect", hostname);
      if (port != null && (port < 1 || port > 65535)) {
        throw new IllegalArgumentException("RequestRedirect: port " + port + " is not in 1..65535");
      }
      statusCode = statusCode == 0 ? 302 : statusCode;
      if (!List.of(301, 302, 303, 307, 308).contains(statusCode)) {
        throw new IllegalArgumentException(
            "RequestRedirect: statusCode " + statusCode + " is not 301, 302, 303, 307 or 308");
      }
    }
  }

  /**
   * Rewrites the request before it is forwarded (Gateway API HTTPURLRewriteFilter).
   *
   * @param hostname the new {@code Host}, or null to keep it
   * @param path how the path changes, or null to keep it
   */
  record UrlRewrite(String hostname, RouteRule.PathModifier path) implements RouteFilter {
    public UrlRewrite {
      checkHost("URLRewrite", hostname);
    }
  }

  /**
   * Copies requests to another Service, fire-and-forget: the copy's answer, slowness or failure
   * never reaches or delays the caller (Gateway API HTTPRequestMirrorFilter).
   *
   * @param backend the mirror Service with its endpoints; its weight is ignored
   * @param percent share of the rule's requests copied, 0..100 (Gateway API {@code percent}, or
   *     {@code fraction} converted by the controller)
   */
  record RequestMirror(BackendConfig backend, double percent) implements RouteFilter {
    public RequestMirror {
      Objects.requireNonNull(backend, "RequestMirror backend");
      RouteRule.percent(percent, "RequestMirror");
    }
  }

  /**
   * Header edits, applied in the order set, add, remove (Gateway API). Names are case-insensitive
   * tokens; values may not hold CR, LF or NUL, so an edit can never split a header (RFC 9110 §5.5).
   *
   * @param set replaces every value of the header
   * @param add appends a value (a new field line)
   * @param remove header names removed
   */
  record HeaderEdits(List<Header> set, List<Header> add, List<String> remove) {
    public static final int MAX_EDITS = 16;

    public HeaderEdits {
      set = bounded("set", set);
      add = bounded("add", add);
      remove = bounded("remove", remove);
      for (String r : remove) {
        RouteRule.checkName(r);
      }
      remove = remove.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList();
    }

    private static <T> List<T> bounded(String field, List<T> list) {
      if (list == null) {
        return List.of();
      }
      if (list.size() > MAX_EDITS) {
        throw new IllegalArgumentException(
            "header modifier: " + list.size() + " " + field + " entries, at most " + MAX_EDITS);
      }
      return List.copyOf(list);
    }
  }

  /** One header name and value of a {@link HeaderEdits}. */
  record Header(String name, String value) {
    public Header {
      RouteRule.checkName(name);
      name = name.toLowerCase(Locale.ROOT);
      if (value == null || value.length() > RouteRule.MAX_VALUE_LENGTH) {
        throw new IllegalArgumentException(
            "header " + name + ": value must be at most " + RouteRule.MAX_VALUE_LENGTH + " chars");
      }
      if (!RouteRule.fieldValue(value)) {
        throw new IllegalArgumentException(
            "header " + name + ": value holds a control character (CR, LF, NUL ...)");
      }
    }
  }

  /** An RFC 1123 host name (or null), at most 253 chars. */
  private static void checkHost(String filter, String hostname) {
    if (hostname == null) {
      return;
    }
    boolean ok = !hostname.isEmpty() && hostname.length() <= 253;
    for (int i = 0; ok && i < hostname.length(); i++) {
      char c = hostname.charAt(i);
      ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '.';
    }
    if (!ok) {
      throw new IllegalArgumentException(
          filter + ": hostname '" + RouteRule.clip(hostname) + "' is not an RFC 1123 host name");
    }
  }
}
