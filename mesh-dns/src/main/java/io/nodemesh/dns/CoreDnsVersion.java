package io.nodemesh.dns;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CoreDNS release, read from the tag of the image the DNS Deployment runs. Vendors decorate the
 * tag ({@code v1.8.7-eksbuild.3}, {@code v1.9.4-hotfix.20230322}, {@code 1.10.1} without the {@code
 * v}); only the leading {@code MAJOR.MINOR.PATCH} counts.
 */
public record CoreDnsVersion(int major, int minor, int patch)
    implements Comparable<CoreDnsVersion> {
  private static final Pattern TAG = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)([^0-9].*)?");

  public CoreDnsVersion {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new IllegalArgumentException(
          "CoreDnsVersion: %d.%d.%d has a negative part".formatted(major, minor, patch));
    }
  }

  /**
   * The version in an image reference such as {@code registry.k8s.io/coredns/coredns:v1.11.1} or
   * {@code coredns:1.10.1@sha256:...}; empty when the tag is missing, {@code latest} or a bare
   * digest.
   */
  public static Optional<CoreDnsVersion> fromImage(String image) {
    if (image == null) {
      return Optional.empty();
    }
    String ref = image;
    int digest = ref.indexOf('@');
    if (digest >= 0) {
      ref = ref.substring(0, digest);
    }
    // The tag follows the last ':' after the last '/'; a ':' before it is a registry port.
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    if (colon <= slash) {
      return Optional.empty();
    }
    return parse(ref.substring(colon + 1));
  }

  /** {@code 1.11.1}, {@code v1.8.7-eksbuild.3}; empty if it does not start with three numbers. */
  public static Optional<CoreDnsVersion> parse(String tag) {
    Matcher m = TAG.matcher(tag == null ? "" : tag.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new CoreDnsVersion(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public boolean isAtLeast(CoreDnsVersion other) {
    return compareTo(other) >= 0;
  }

  @Override
  public int compareTo(CoreDnsVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
