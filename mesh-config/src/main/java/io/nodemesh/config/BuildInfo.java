package io.nodemesh.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;

/**
 * What was built and what runs it: the Nodemesh version, the source revision it was built from and
 * the Java runtime. Both processes export it as {@code nodemesh_build_info}, so a dashboard or an
 * alert can tell which version each proxy and controller runs during a rollout.
 *
 * @param version the Maven project version, e.g. {@code 0.1.0}
 * @param revision the source revision given to the build ({@code -Dnodemesh.revision=...}), or
 *     {@code unknown}
 * @param java the Java runtime version, e.g. {@code 25.0.3+9-LTS}
 */
public record BuildInfo(String version, String revision, String java) {
  private static final BuildInfo CURRENT = load();

  public BuildInfo {
    Objects.requireNonNull(version, "build version");
    Objects.requireNonNull(revision, "build revision");
    Objects.requireNonNull(java, "build java");
  }

  /** This build, read once from the filtered {@code build.properties} on the class path. */
  public static BuildInfo current() {
    return CURRENT;
  }

  private static BuildInfo load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading build.properties", e);
    }
    return new BuildInfo(
        filled(p.getProperty("version")),
        filled(p.getProperty("revision")),
        Runtime.version().toString());
  }

  /** A value the build filled in, or {@code unknown} (run from an unfiltered class path). */
  private static String filled(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v.strip();
  }
}
