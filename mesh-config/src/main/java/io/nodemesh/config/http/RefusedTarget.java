package io.nodemesh.config.http;

/**
 * A request target the proxy will not canonicalise, and so will neither match nor forward. One
 * shared instance per reason, without a stack trace: a hostile client must not make the proxy
 * allocate for each refusal (the same reason Netty keeps its static decoder exceptions).
 */
public final class RefusedTarget extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why, with the line the client reads in the 400 answer. */
  public enum Reason {
    /** RFC 9112 §3.2: a request target is origin-form ({@code /...}), or {@code *} for OPTIONS. */
    NOT_ORIGIN_FORM("the request target is not an absolute path"),
    /** RFC 9112 §2.2 and RFC 3986 §2: no control byte or space may appear in a URI. */
    CONTROL("a control byte or space in the request target"),
    /** RFC 9112 §3.2.1: origin-form has no fragment; a backend would cut the path at {@code #}. */
    FRAGMENT("a '#' in the request target"),
    /** RFC 3986 §2.1: {@code %} must be followed by two hex digits. */
    BAD_ESCAPE("a '%' not followed by two hex digits"),
    /** {@code %00}: a backend written in C ends the path there. */
    ENCODED_NUL("an encoded NUL (%00) in the path"),
    /** A {@code ..} segment that would climb above the root (RFC 3986 §5.2.4 would clamp it). */
    ABOVE_ROOT("a '..' segment above the root of the path"),
    /**
     * A dot segment with a path parameter ({@code ..;x}): servlet containers drop the parameter and
     * then resolve the dot segment, RFC 3986 does not; the two would serve different paths.
     */
    DOT_PARAMETER("a '.' or '..' segment with a ';' parameter");

    private final String message;

    Reason(String message) {
      this.message = message;
    }

    public String message() {
      return message;
    }
  }

  private static final RefusedTarget[] BY_REASON = new RefusedTarget[Reason.values().length];

  static {
    for (Reason r : Reason.values()) {
      BY_REASON[r.ordinal()] = new RefusedTarget(r);
    }
  }

  private final Reason reason;

  private RefusedTarget(Reason reason) {
    super(reason.message(), null, false, false);
    this.reason = reason;
  }

  static RefusedTarget of(Reason reason) {
    return BY_REASON[reason.ordinal()];
  }

  public Reason reason() {
    return reason;
  }
}
