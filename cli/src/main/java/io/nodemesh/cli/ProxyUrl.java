package io.nodemesh.cli;

import java.net.URI;
import picocli.CommandLine;

/** {@code --proxy URL}: a proxy's admin server, {@code http://host:port}; checked when parsed. */
final class ProxyUrl implements CommandLine.ITypeConverter<URI> {
  static final String DEFAULT = "http://127.0.0.1:9901";

  @Override
  public URI convert(String value) {
    URI u;
    try {
      u = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("not a URL: '" + value + "'");
    }
    if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
        || u.getHost() == null
        || u.getPort() < 0
        || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))
        || u.getRawQuery() != null) {
      throw new CommandLine.TypeConversionException(
          "expected a proxy admin URL like " + DEFAULT + ", not '" + value + "'");
    }
    return URI.create(u.getScheme() + "://" + u.getRawAuthority());
  }
}
