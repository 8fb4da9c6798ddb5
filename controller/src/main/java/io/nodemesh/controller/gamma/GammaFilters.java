package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Fraction;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPURLRewriteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.LocalObjectReference;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.controller.gamma.GammaMatches.Invalid;
import io.nodemesh.controller.gamma.GammaMatches.Unsupported;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Gateway API route filters in the proxy's terms ({@link RouteFilter}). HTTPRoute and GRPCRoute
 * filters share their parts, so one method reads either, given the parts of one filter.
 */
final class GammaFilters {
  private GammaFilters() {}

  /** The parts of one HTTPRouteFilter or GRPCRouteFilter (GRPC has no redirect or rewrite). */
  record Parts(
      String type,
      HTTPHeaderFilter requestHeaders,
      HTTPHeaderFilter responseHeaders,
      HTTPRequestRedirectFilter redirect,
      HTTPURLRewriteFilter rewrite,
      HTTPRequestMirrorFilter mirror,
      LocalObjectReference extensionRef) {}

  /**
   * One filter at {@code field}. A mirror to a Service that does not resolve is left out with
   * ResolvedRefs False (through {@code refused}); null is then returned.
   */
  static GammaRule.Filter filter(
      String field, Parts f, String namespace, Topology t, Refused refused) {
    String type = f.type() == null ? "" : f.type();
    return switch (type) {
      case "RequestHeaderModifier" ->
          new GammaRule.Ready(
              GammaMatches.at(
                  field + ".requestHeaderModifier",
                  () -> new RouteFilter.RequestHeaderModifier(edits(f.requestHeaders()))));
      case "ResponseHeaderModifier" ->
          new GammaRule.Ready(
              GammaMatches.at(
                  field + ".responseHeaderModifier",
                  () -> new RouteFilter.ResponseHeaderModifier(edits(f.responseHeaders()))));
      case "RequestRedirect" -> {
        HTTPRequestRedirectFilter r = f.redirect();
        if (r == null) {
          throw new Invalid(field + ".requestRedirect", "missing");
        }
        RouteRule.PathModifier path = path(field + ".requestRedirect.path", r.getPath());
        yield new GammaRule.Ready(
            GammaMatches.at(
                field + ".requestRedirect",
                () ->
                    new RouteFilter.RequestRedirect(
                        r.getScheme(),
                        r.getHostname(),
                        path,
                        r.getPort(),
                        r.getStatusCode() == null ? 0 : r.getStatusCode())));
      }
      case "URLRewrite" -> {
        HTTPURLRewriteFilter r = f.rewrite();
        if (r == null) {
          throw new Invalid(field + ".urlRewrite", "missing");
        }
        RouteRule.PathModifier path = path(field + ".urlRewrite.path", r.getPath());
        yield new GammaRule.Ready(
            GammaMatches.at(
                field + ".urlRewrite", () -> new RouteFilter.UrlRewrite(r.getHostname(), path)));
      }
      case "RequestMirror" -> mirror(field + ".requestMirror", f.mirror(), namespace, t, refused);
      case "ExtensionRef" ->
          throw new Unsupported(
              field + ".extensionRef",
              "ExtensionRef filters are not supported; fault injection is configured with the"
                  + " route's nodemesh.io/fault-* annotations (docs/gateway-api.md)");
      default ->
          throw new Unsupported(field + ".type", "filter type '" + type + "' is not supported");
    };
  }

  /** Reports a backend or mirror reference that does not resolve. */
  @FunctionalInterface
  interface Refused {
    void refused(String field, String message, String reason);
  }

  private static GammaRule.Filter mirror(
      String field, HTTPRequestMirrorFilter m, String namespace, Topology t, Refused refused) {
    if (m == null || m.getBackendRef() == null) {
      throw new Invalid(field + ".backendRef", "missing");
    }
    BackendObjectReference b = m.getBackendRef();
    String bf = field + ".backendRef";
    if ((b.getGroup() != null && !b.getGroup().isEmpty() && !"core".equals(b.getGroup()))
        || (b.getKind() != null && !"Service".equals(b.getKind()))) {
      refused.refused(bf, "only a Service can be mirrored to", Reasons.INVALID_KIND);
      return null;
    }
    if (b.getNamespace() != null && !b.getNamespace().equals(namespace)) {
      refused.refused(
          bf + ".namespace",
          "Service '" + b.getNamespace() + "/" + b.getName() + "' is in another namespace",
          Reasons.REF_NOT_PERMITTED);
      return null;
    }
    if (b.getName() == null || t.service(namespace, b.getName()) == null) {
      refused.refused(
          bf + ".name",
          "Service '" + b.getName() + "' not found in namespace '" + namespace + "'",
          Reasons.BACKEND_NOT_FOUND);
      return null;
    }
    double percent = 100;
    if (m.getPercent() != null && m.getFraction() != null) {
      throw new Invalid(field, "set percent or fraction, not both");
    }
    if (m.getPercent() != null) {
      percent = m.getPercent();
    } else if (m.getFraction() != null) {
      Fraction fr = m.getFraction();
      int den = fr.getDenominator() == null ? 100 : fr.getDenominator();
      int num = fr.getNumerator() == null ? 0 : fr.getNumerator();
      if (den <= 0 || num < 0 || num > den) {
        throw new Invalid(field + ".fraction", num + "/" + den + " is not a fraction in 0..1");
      }
      percent = 100.0 * num / den;
    }
    if (!(percent >= 0 && percent <= 100)) {
      throw new Invalid(field + ".percent", percent + " is not in 0..100");
    }
    if (b.getPort() != null && (b.getPort() < 1 || b.getPort() > 65535)) {
      throw new Invalid(bf + ".port", b.getPort() + " is not in 1..65535");
    }
    return new GammaRule.Mirror(b.getName(), b.getPort() == null ? 0 : b.getPort(), percent);
  }

  private static RouteFilter.HeaderEdits edits(HTTPHeaderFilter f) {
    if (f == null) {
      throw new IllegalArgumentException("missing");
    }
    return new RouteFilter.HeaderEdits(
        headers(f.getSet()),
        headers(f.getAdd()),
        f.getRemove() == null ? List.of() : f.getRemove());
  }

  private static List<RouteFilter.Header> headers(List<HTTPHeader> hs) {
    List<RouteFilter.Header> out = new ArrayList<>();
    for (HTTPHeader h : hs == null ? List.<HTTPHeader>of() : hs) {
      out.add(new RouteFilter.Header(h.getName(), h.getValue()));
    }
    return out;
  }

  private static RouteRule.PathModifier path(String field, HTTPPathModifier p) {
    if (p == null) {
      return null;
    }
    return switch (p.getType() == null ? "" : p.getType()) {
      case "ReplaceFullPath" ->
          GammaMatches.at(
              field + ".replaceFullPath",
              () ->
                  new RouteRule.PathModifier(
                      RouteRule.PathModifier.Type.REPLACE_FULL_PATH, p.getReplaceFullPath()));
      case "ReplacePrefixMatch" ->
          GammaMatches.at(
              field + ".replacePrefixMatch",
              () ->
                  new RouteRule.PathModifier(
                      RouteRule.PathModifier.Type.REPLACE_PREFIX_MATCH, p.getReplacePrefixMatch()));
      default ->
          throw new Invalid(
              field + ".type",
              "'" + p.getType() + "' is not ReplaceFullPath or ReplacePrefixMatch");
    };
  }
}
