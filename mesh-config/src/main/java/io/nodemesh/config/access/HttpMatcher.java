package io.nodemesh.config.access;

import com.google.re2j.Pattern;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.TenantRegex;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An {@link HttpMatch} with its regexes compiled: the method is listed (or no list, or "*"), the
 * path regex matches at the start of the path ({@code lookingAt}, SMI "anchored at the start"), and
 * every named header has a value the header regex matches in full.
 *
 * <p>The regexes are tenants' and run on event loops, so they are RE2 ({@link TenantRegex}):
 * matching time is linear in the input, whatever the regex.
 */
public final class HttpMatcher {
  private final HttpMatch match;
  private final @Nullable Pattern path;
  private final @Nullable Set<String> methods;
  private final List<Map.Entry<String, Pattern>> headers;

  public HttpMatcher(HttpMatch match) {
    this.match = match;
    this.path = match.pathRegex() == null ? null : TenantRegex.compile(match.pathRegex());
    this.methods =
        match.methods().isEmpty() || match.methods().contains("*")
            ? null
            : Set.copyOf(match.methods());
    this.headers =
        match.headers().entrySet().stream()
            .map(e -> Map.entry(e.getKey(), TenantRegex.compile(e.getValue())))
            .toList();
  }

  public HttpMatch match() {
    return match;
  }

  public boolean matches(RequestView request) {
    if (methods != null && !methods.contains(request.method())) {
      return false;
    }
    if (path != null && !path.matcher(request.path()).lookingAt()) {
      return false;
    }
    for (Map.Entry<String, Pattern> h : headers) {
      boolean any = false;
      for (String v : request.headers(h.getKey())) {
        if (h.getValue().matcher(v).matches()) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }
}
