package io.nodemesh.config.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.http.RefusedTarget.Reason;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathCanonicalizerTest {
  /**
   * Each row is a target and its canonical form, which is a fixed point. The first rows are RFC
   * 3986 §5.4: the references resolved against the base {@code http://a/b/c/d;p?q}. A proxy sees
   * them already merged with the base path (§5.2.3: {@code /b/c/} + reference), so each row is that
   * merged path and the RFC's result. The "abnormal" ones that climb above the root are refused
   * instead, see {@link #climbingAboveTheRootIsRefusedNotClamped}.
   */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // §5.4.1 normal examples
    "/b/c/g, /b/c/g",
    "/b/c/./g, /b/c/g",
    "/b/c/g/, /b/c/g/",
    "/g, /g",
    "/b/c/d;p?y, /b/c/d;p?y",
    "/b/c/g?y, /b/c/g?y",
    "/b/c/g;x, /b/c/g;x",
    "/b/c/g;x?y, /b/c/g;x?y",
    "/b/c/., /b/c/",
    "/b/c/./, /b/c/",
    "/b/c/.., /b/",
    "/b/c/../, /b/",
    "/b/c/../g, /b/g",
    "/b/c/../.., /",
    "/b/c/../../, /",
    "/b/c/../../g, /g",
    // §5.4.2 abnormal examples that stay below the root
    "/./g, /g",
    "/b/c/g., /b/c/g.",
    "/b/c/.g, /b/c/.g",
    "/b/c/g.., /b/c/g..",
    "/b/c/..g, /b/c/..g",
    "/b/c/./../g, /b/g",
    "/b/c/./g/., /b/c/g/",
    "/b/c/g/./h, /b/c/g/h",
    "/b/c/g/../h, /b/c/h",
    "/b/c/g;x=1/./y, /b/c/g;x=1/y",
    "/b/c/g;x=1/../y, /b/c/y",
    "/b/c/g?y/./x, /b/c/g?y/./x",
    "/b/c/g?y/../x, /b/c/g?y/../x",
    // §5.2.4's own worked examples
    "/a/b/c/./../../g, /a/g",
    "/mid/content=5/../6, /mid/6",
    // unreserved escapes decoded (RFC 3986 §2.3, §6.2.2.2), others upper-cased (§6.2.2.1)
    "/%61pi/x, /api/x",
    "/%41%42%7e%2D%2e%5F, /AB~-._",
    "/a%2fb, /a%2Fb",
    "/a%2Fb, /a%2Fb",
    "/a%3a%20b, /a%3A%20b",
    // encoded dots are dots, then dot segments go
    "/api/%2e%2e/admin, /admin",
    "/api/%2E%2E/admin, /admin",
    "/api/.%2e/admin, /admin",
    "/api/%2e/x, /api/x",
    // merged slashes, before dot segments (so // cannot hide a level)
    "//api/../admin, /admin",
    "/api//../admin, /admin",
    "///, /",
    "/a//b///c/, /a/b/c/",
    // a raw backslash is made an escape, an encoded one upper-cased; both stay one segment
    "/api\\..\\admin, /api%5C..%5Cadmin",
    "/api/..%5cadmin, /api/..%5Cadmin",
    "/api/..%2fadmin, /api/..%2Fadmin",
    // the query is kept byte for byte
    "/a/../b?x=/../%2e%zz, /b?x=/../%2e%zz",
    "/a?, /a?",
  })
  void canonicalForms(String target, String expected) throws RefusedTarget {
    assertThat(PathCanonicalizer.canonical(target)).isEqualTo(expected);
    // Canonical is a fixed point: a second pass changes nothing and returns the same string.
    String again = PathCanonicalizer.canonical(expected);
    assertThat(again).isSameAs(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/api/x",
        "/api/v1/items?id=7&x=%2e%2e",
        "/a%2Fb",
        "/a;b=c/d",
        "/.well-known/x",
        "/a..b/c.d/..e"
      })
  void aCanonicalTargetIsReturnedItselfWithoutCopying(String target) throws RefusedTarget {
    assertThat(PathCanonicalizer.canonical(target)).isSameAs(target);
  }

  /**
   * The fast path allocates nothing: a canonical target, and a refusal found by the first scan (a
   * shared exception), cost no garbage on the event loop. Measured with the JVM's per-thread
   * allocation counter.
   */
  @Test
  void theFastPathAndRefusalsAllocateNothing() throws RefusedTarget {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    String[] targets = {"/api/v1/items?page=2&sort=name", "/static/app.4f1c2e1a.min.js", "/"};
    int refusals = 0;
    for (int round = 0; round < 2; round++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 20_000; i++) {
        String t = targets[i % targets.length];
        if (PathCanonicalizer.canonical(t) != t) {
          throw new AssertionError(t);
        }
        try {
          PathCanonicalizer.canonical(i % 2 == 0 ? "/api/x\0" : "/api/..;/admin");
        } catch (RefusedTarget e) {
          refusals++;
        }
      }
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      if (round == 1) {
        // The counter itself may allocate a little; 40,000 calls that allocated would be MBs.
        assertThat(allocated).as("bytes allocated by 40,000 calls").isLessThan(4_096);
      }
    }
    assertThat(refusals).isEqualTo(40_000);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/.., ABOVE_ROOT",
    "/../g, ABOVE_ROOT",
    "/b/c/../../../g, ABOVE_ROOT",
    "/b/c/../../../../g, ABOVE_ROOT",
    "/%2e%2e/admin, ABOVE_ROOT",
    "//../admin, ABOVE_ROOT",
  })
  void climbingAboveTheRootIsRefusedNotClamped(String target, Reason reason) {
    assertRefused(target, reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/api/..;/admin, DOT_PARAMETER",
    "/api/.;x/admin, DOT_PARAMETER",
    "/api/%2e%2e;/admin, DOT_PARAMETER",
    "/api/%zz, BAD_ESCAPE",
    "/api/%2, BAD_ESCAPE",
    "/api/%, BAD_ESCAPE",
    "/api/%2?x, BAD_ESCAPE",
    "/api/x%00.png, ENCODED_NUL",
    "/api#/../admin, FRAGMENT",
    "api/x, NOT_ORIGIN_FORM",
    "*, NOT_ORIGIN_FORM",
  })
  void refusals(String target, Reason reason) {
    assertRefused(target, reason);
  }

  @Test
  void controlBytesAnywhereAreRefused() {
    for (String t :
        new String[] {"/api\0/x", "/a\tb", "/a\rb", "/a\nb", "/a\u007fb", "/a b", "/a?x=\0"}) {
      assertRefused(t, Reason.CONTROL);
    }
    assertRefused("/a/\u0663\u0663", null);
  }

  @Test
  void nonAsciiHexDigitsAreNotHexDigits() {
    assertRefused("/a%\u0663\u0663", Reason.BAD_ESCAPE);
  }

  @Test
  void encodedSeparatorsAreFoundInTheCanonicalPath() throws RefusedTarget {
    assertThat(PathCanonicalizer.hasEncodedSeparator(PathCanonicalizer.canonical("/a%2fb")))
        .isTrue();
    assertThat(PathCanonicalizer.hasEncodedSeparator(PathCanonicalizer.canonical("/a%5cb")))
        .isTrue();
    assertThat(PathCanonicalizer.hasEncodedSeparator(PathCanonicalizer.canonical("/a\\b")))
        .isTrue();
    assertThat(PathCanonicalizer.hasEncodedSeparator("/a%20b%2")).isFalse();
    assertThat(PathCanonicalizer.hasEncodedSeparator("/a/b")).isFalse();
  }

  /**
   * What a backend that normalises for itself (java.net.URI: decode, then remove dot segments)
   * makes of the canonical path is what the canonical path says, for every path the proxy lets
   * through: proxy and backend agree.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/../admin/cache",
        "/api/%2e%2e/admin",
        "/api/%2E%2E/admin",
        "//api/../admin",
        "/api/./x",
        "/%61pi/x",
        "/api/.%2e/x/.%2E/y/../z",
        "/a/b/c/./../../g",
      })
  void aNormalisingBackendServesTheCanonicalPath(String target) throws Exception {
    String canonical = PathCanonicalizer.canonical(target);
    String backend = URI.create(canonical).normalize().getPath();
    assertThat(backend).isEqualTo(URI.create(canonical).getPath());
    assertThat(backend).doesNotContain("..").doesNotContain("/./").doesNotContain("//");
  }

  /**
   * Random targets made of the pieces path tricks are made of: whatever is not refused comes back
   * canonical (a second pass returns the very same string), rooted, without {@code //} or dot
   * segments, and a backend that decodes and normalises it (java.net.URI) finds nothing to resolve.
   */
  @Test
  void randomTargetsComeBackCanonicalOrAreRefused() {
    String[] pieces = {
      "/", "//", "a", "api", ".", "..", "%2e", "%2E", "%2f", "%5C", "\\", ";", "%61", "%7e", "%41",
      "%25", "%", "%0", "%00", "?", "#", "=", "&", "~", "-", "_", "\u00e9", "\t", " ", "%3F", "%20"
    };
    java.util.Random rnd = new java.util.Random(13);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder t = new StringBuilder("/");
      for (int n = rnd.nextInt(12); n > 0; n--) {
        t.append(pieces[rnd.nextInt(pieces.length)]);
      }
      String target = t.toString();
      String canonical;
      try {
        canonical = PathCanonicalizer.canonical(target);
      } catch (RefusedTarget e) {
        continue;
      }
      accepted++;
      try {
        assertThat(PathCanonicalizer.canonical(canonical)).as(target).isSameAs(canonical);
      } catch (RefusedTarget e) {
        throw new AssertionError(target + " -> " + canonical + " is refused: " + e.getMessage());
      }
      int q = canonical.indexOf('?');
      String path = q < 0 ? canonical : canonical.substring(0, q);
      assertThat(path).as(target).startsWith("/").doesNotContain("//");
      assertThat(("/" + path + "/").replace("/", "//"))
          .as(target)
          .doesNotContain("/./")
          .doesNotContain("/../");
      if (path.chars().allMatch(c -> c > ' ' && c < 0x7f && "\"<>\\^`{|}".indexOf(c) < 0)) {
        URI u = URI.create(path);
        assertThat(u.normalize().getRawPath()).as(target).isEqualTo(u.getRawPath());
      }
    }
    assertThat(accepted).isGreaterThan(1000);
  }

  private static void assertRefused(String target, Reason reason) {
    if (reason == null) {
      try {
        PathCanonicalizer.canonical(target);
      } catch (RefusedTarget e) {
        throw new AssertionError(target + " refused: " + e.getMessage());
      }
      return;
    }
    assertThatThrownBy(() -> PathCanonicalizer.canonical(target))
        .as(target)
        .isInstanceOfSatisfying(RefusedTarget.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
