package io.nodemesh.controller.strict;

import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The peers a strict namespace lets in besides the node proxies: its {@code
 * nodemesh.io/mtls-allow-from} annotation, a comma-separated list of CIDRs and namespace names
 * (docs/annotations.md). The annotation is tenant-written: the value is bounded before it is split,
 * the number of entries is capped, and every bad entry is reported and skipped; a skipped entry
 * lets nothing in (strict mode fails closed).
 */
public final class AllowFrom {
  /** The Namespace annotation. */
  public static final String KEY = "nodemesh.io/mtls-allow-from";

  /** Longest value read at all; a longer one is reported and ignored whole. */
  static final int MAX_LENGTH = 4096;

  /** Most entries used; the rest are reported and skipped. */
  static final int MAX_ENTRIES = 32;

  /** A namespace name: an RFC 1123 label, as Kubernetes requires. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final String FIELD = "metadata.annotations[" + KEY + "]";

  private AllowFrom() {}

  /**
   * The valid entries of {@code namespace}'s annotation {@code value} (null: none), deduplicated
   * and sorted, so that the policy built from them compares equal from one reconciliation to the
   * next.
   */
  static Peers parse(String namespace, String value, List<Problem> problems) {
    Set<String> cidrs = new TreeSet<>();
    Set<String> namespaces = new TreeSet<>();
    parse(namespace, value, cidrs, namespaces, problems);
    return new Peers(List.copyOf(cidrs), List.copyOf(namespaces));
  }

  private static void parse(
      String namespace,
      String value,
      Set<String> cidrs,
      Set<String> namespaces,
      List<Problem> problems) {
    if (value == null || value.isBlank()) {
      return;
    }
    if (value.length() > MAX_LENGTH) {
      problems.add(
          problem(
              namespace,
              FIELD,
              "longer than "
                  + MAX_LENGTH
                  + " characters ("
                  + value.length()
                  + "); ignored, only the node proxies are let in"));
      return;
    }
    List<String> entries = new ArrayList<>();
    for (String raw : value.split(",", -1)) {
      String e = raw.strip();
      if (!e.isEmpty()) {
        entries.add(e);
      }
    }
    for (int i = 0; i < entries.size(); i++) {
      String field = FIELD + "[" + i + "]";
      if (i >= MAX_ENTRIES) {
        problems.add(
            problem(
                namespace,
                field,
                "more than " + MAX_ENTRIES + " entries; this one and the rest are skipped"));
        return;
      }
      String e = entries.get(i);
      String error;
      if (e.indexOf('/') >= 0) {
        String cidr = canonicalCidr(e);
        error = cidr == null ? "is not a CIDR (network address/prefix length)" : null;
        if (cidr != null) {
          cidrs.add(cidr);
        }
      } else if (LABEL.matcher(e).matches()) {
        namespaces.add(e);
        error = null;
      } else {
        error = "is neither a CIDR nor a namespace name";
      }
      if (error != null) {
        problems.add(problem(namespace, field, "'" + shown(e) + "' " + error + "; skipped"));
      }
    }
  }

  /**
   * {@code s} as a canonical CIDR, or null when it is none: an IP literal, a prefix length that
   * fits it, and no bits set after the prefix (the API server refuses those in {@code ipBlock}).
   */
  static String canonicalCidr(String s) {
    int slash = s.indexOf('/');
    if (slash <= 0 || slash != s.lastIndexOf('/') || s.length() - slash > 4) {
      return null;
    }
    String ip = s.substring(0, slash);
    String bits = s.substring(slash + 1);
    if (!IpLiteral.valid(ip) || bits.isEmpty() || !bits.chars().allMatch(Character::isDigit)) {
      return null;
    }
    // A literal: parsed, never looked up (IpLiteral.valid). ::ffff:a.b.c.d becomes IPv4.
    byte[] address;
    try {
      address = InetAddress.getByName(ip).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
    int prefix = Integer.parseInt(bits);
    int width = address.length * 8;
    if (prefix > width || (bits.length() > 1 && bits.charAt(0) == '0')) {
      return null;
    }
    BigInteger value = new BigInteger(1, address);
    if (prefix < width
        && value.getLowestSetBit() >= 0
        && value.getLowestSetBit() < width - prefix) {
      return null;
    }
    return IpLiteral.canonical(ip) + "/" + prefix;
  }

  private static String shown(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  private static Problem problem(String namespace, String field, String message) {
    return new Problem(
        "Namespace", null, namespace, field, message, ProblemReason.INVALID_ANNOTATION);
  }

  /**
   * What one namespace lists.
   *
   * @param cidrs canonical CIDRs ({@code 10.1.0.0/16}), sorted
   * @param namespaces namespace names, sorted
   */
  record Peers(List<String> cidrs, List<String> namespaces) {
    Peers {
      cidrs = List.copyOf(cidrs);
      namespaces = List.copyOf(namespaces);
    }
  }
}
