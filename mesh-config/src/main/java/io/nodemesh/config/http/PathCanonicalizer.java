package io.nodemesh.config.http;

import io.nodemesh.config.http.RefusedTarget.Reason;

/**
 * The one canonical form of an origin-form request target, which access control and TrafficSplit
 * matches see and which the backend is sent, so that the proxy and the backend cannot disagree on
 * which path a request names (docs/access-control.md, "The request path"). In order:
 *
 * <ol>
 *   <li>Refuse a control byte anywhere in the target (RFC 9112 §3.2, RFC 3986 §2), and in the path
 *       a space, a {@code #} (origin-form has no fragment, RFC 9112 §3.2.1), a {@code %} without
 *       two hex digits (RFC 3986 §2.1) and {@code %00}.
 *   <li>Percent-decode the unreserved characters ({@code ALPHA DIGIT - . _ ~}, RFC 3986 §2.3: their
 *       escapes are equivalent to them, §6.2.2.2) and write the hex of every other escape in upper
 *       case (§6.2.2.1). A raw {@code \}, which no URI may hold, becomes {@code %5C}.
 *   <li>Merge repeated {@code /}.
 *   <li>Remove dot segments (RFC 3986 §5.2.4); a {@code ..} above the root is refused, not clamped,
 *       and so is a dot segment with a {@code ;} parameter.
 * </ol>
 *
 * <p>The query is kept byte for byte; only its control bytes are refused. Encoded {@code /} and
 * {@code \} are kept encoded: whether a Service may receive them is the caller's decision ({@link
 * #hasEncodedSeparator}).
 *
 * <p>Already-canonical targets, by far the common case, cost one scan and no allocation: the very
 * same string comes back.
 */
public final class PathCanonicalizer {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PathCanonicalizer() {}

  /**
   * The canonical form of an origin-form target ({@code /path[?query]}).
   *
   * @return {@code target} itself when it is canonical already
   * @throws RefusedTarget when it is refused (a shared instance, see {@link RefusedTarget})
   */
  public static String canonical(String target) throws RefusedTarget {
    int n = target.length();
    if (n == 0 || target.charAt(0) != '/') {
      throw RefusedTarget.of(Reason.NOT_ORIGIN_FORM);
    }
    boolean rewrite = false;
    int segment = 1;
    int end = n;
    for (int i = 0; i < n; i++) {
      char c = target.charAt(i);
      if (c == '?') {
        end = i;
        break;
      }
      if (c <= ' ' || c == 0x7f) {
        throw RefusedTarget.of(Reason.CONTROL);
      }
      switch (c) {
        case '/' -> {
          if (i > 0 && (target.charAt(i - 1) == '/' || isDotSegment(target, segment, i))) {
            rewrite = true;
          }
          segment = i + 1;
        }
        case '%' -> {
          int v = escape(target, i, n);
          if (isUnreserved(v)
              || isLowerHex(target.charAt(i + 1))
              || isLowerHex(target.charAt(i + 2))) {
            rewrite = true;
          }
          i += 2;
        }
        case ';' -> {
          if (isDotSegment(target, segment, i)) {
            throw RefusedTarget.of(Reason.DOT_PARAMETER);
          }
        }
        case '\\' -> rewrite = true;
        case '#' -> throw RefusedTarget.of(Reason.FRAGMENT);
        default -> {}
      }
    }
    if (isDotSegment(target, segment, end)) {
      rewrite = true;
    }
    for (int i = end + 1; i < n; i++) {
      char c = target.charAt(i);
      if (c < ' ' || c == 0x7f) {
        throw RefusedTarget.of(Reason.CONTROL);
      }
    }
    if (!rewrite) {
      return target;
    }
    String path = removeDotSegments(decodeUnreserved(target, end));
    return end == n ? path : path + target.substring(end);
  }

  /**
   * Whether a canonical path holds an encoded {@code /} or {@code \} ({@code %2F}, {@code %5C}),
   * which many backends decode before they route, so a path that the proxy read as one segment
   * would name another path there.
   */
  public static boolean hasEncodedSeparator(String canonicalPath) {
    int i = canonicalPath.indexOf('%');
    while (i >= 0 && i + 2 < canonicalPath.length()) {
      char hi = canonicalPath.charAt(i + 1);
      char lo = canonicalPath.charAt(i + 2);
      if ((hi == '2' && lo == 'F') || (hi == '5' && lo == 'C')) {
        return true;
      }
      i = canonicalPath.indexOf('%', i + 3);
    }
    return false;
  }

  /** The byte an escape at {@code i} stands for; refuses a bad escape and {@code %00}. */
  private static int escape(String s, int i, int n) throws RefusedTarget {
    if (i + 2 >= n) {
      throw RefusedTarget.of(Reason.BAD_ESCAPE);
    }
    int hi = Character.digit(s.charAt(i + 1), 16);
    int lo = Character.digit(s.charAt(i + 2), 16);
    if (hi < 0 || lo < 0 || s.charAt(i + 1) > 'f' || s.charAt(i + 2) > 'f') {
      // Character.digit also accepts non-ASCII digits; RFC 3986 HEXDIG is ASCII only.
      throw RefusedTarget.of(Reason.BAD_ESCAPE);
    }
    int v = hi << 4 | lo;
    if (v == 0) {
      throw RefusedTarget.of(Reason.ENCODED_NUL);
    }
    return v;
  }

  /** Step 2 on the path part {@code [0, end)}: escapes of unreserved characters decoded. */
  private static String decodeUnreserved(String target, int end) {
    StringBuilder out = new StringBuilder(end + 8);
    for (int i = 0; i < end; i++) {
      char c = target.charAt(i);
      if (c == '%') {
        int v =
            Character.digit(target.charAt(i + 1), 16) << 4
                | Character.digit(target.charAt(i + 2), 16);
        if (isUnreserved(v)) {
          out.append((char) v);
        } else {
          out.append('%').append(HEX[v >> 4]).append(HEX[v & 0xf]);
        }
        i += 2;
      } else if (c == '\\') {
        out.append("%5C");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Steps 3 and 4 on a decoded absolute path: repeated slashes merged, then RFC 3986 §5.2.4 with
   * its input buffer read segment by segment. A trailing {@code .} or {@code ..} leaves a trailing
   * slash, as in the RFC ({@code /a/b/..} is {@code /a/}).
   */
  static String removeDotSegments(String path) throws RefusedTarget {
    StringBuilder out = new StringBuilder(path.length());
    int n = path.length();
    int i = 0;
    boolean trailing = false;
    while (i < n) {
      while (i < n && path.charAt(i) == '/') {
        i++;
      }
      if (i == n) {
        // The path ends with a slash (or is only slashes).
        trailing = true;
        break;
      }
      int start = i;
      while (i < n && path.charAt(i) != '/') {
        i++;
      }
      if (isDotSegment(path, start, i)) {
        if (i - start == 2) {
          if (out.isEmpty()) {
            throw RefusedTarget.of(Reason.ABOVE_ROOT);
          }
          out.setLength(out.lastIndexOf("/"));
        }
        trailing = true;
        continue;
      }
      if (path.charAt(start) == '.') {
        int semi = path.indexOf(';', start);
        if (semi > 0 && semi < i && isDotSegment(path, start, semi)) {
          throw RefusedTarget.of(Reason.DOT_PARAMETER);
        }
      }
      out.append('/').append(path, start, i);
      trailing = false;
    }
    if (out.isEmpty() || trailing) {
      out.append('/');
    }
    return out.toString();
  }

  private static boolean isDotSegment(String s, int from, int to) {
    int len = to - from;
    return (len == 1 && s.charAt(from) == '.')
        || (len == 2 && s.charAt(from) == '.' && s.charAt(from + 1) == '.');
  }

  /** RFC 3986 §2.3: {@code ALPHA / DIGIT / "-" / "." / "_" / "~"}. */
  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  private static boolean isLowerHex(char c) {
    return c >= 'a' && c <= 'f';
  }
}
