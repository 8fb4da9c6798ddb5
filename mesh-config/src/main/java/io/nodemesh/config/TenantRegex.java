package io.nodemesh.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * The one rule for regexes that tenants write (HTTPRouteGroup {@code pathRegex} and header values):
 * they run on the proxies' event loops, so they are compiled with RE2/J, whose matching time is
 * linear in the input (no backtracking), and they are bounded in length and in size.
 *
 * <p>RE2 syntax is the Perl/Java syntax without backreferences, lookaround, possessive quantifiers
 * and atomic groups; such a regex is refused here, with a message that says so. A linear engine is
 * not enough on its own: its cost per input character grows with the compiled program, and counted
 * repetitions multiply it ({@code (a{1000}){1000}} compiles to a million instructions in RE2/J 1.8,
 * which has no size limit of its own). So the program's size is estimated from the text (an upper
 * bound: repetitions multiply what they repeat) and capped at {@link #MAX_SIZE}.
 *
 * <p>The SMI validator refuses what this class refuses, and the config contract ({@link HttpMatch})
 * checks it again, so a proxy never compiles an unbounded regex (issue 13).
 */
public final class TenantRegex {
  /** Longest regex accepted, in UTF-16 chars; the CRD schemas say the same ({@code maxLength}). */
  public static final int MAX_LENGTH = 1024;

  /**
   * Largest estimated program accepted (about one unit per literal, class or operator, counted
   * repetitions multiplied out). RE2/J's cost per input character grows with the program: at this
   * size a path of 4 KiB (the proxy's request-line limit) costs a few milliseconds at worst, where
   * a program of 4,000 instructions cost close to a second (docs/security.md). Envoy's RE2 limit
   * has the same default ({@code max_program_size} 100). Long character classes cost one unit, so
   * most of {@link #MAX_LENGTH} stays usable.
   */
  public static final int MAX_SIZE = 100;

  /**
   * Most steps (the sum of {@link #steps} over the regexes) that one Service's TrafficSplit, or the
   * TrafficTargets of one destination, may make a request evaluate. Each regex is bounded, but a
   * thousand bounded regexes are not: the cost of a request that matches none of them is their sum
   * (issue 13).
   */
  public static final int MAX_ROUTE_STEPS = 1000;

  private static final String SYNTAX_HINT =
      " (regexes run on RE2: no backreferences, lookaround, possessive quantifiers or atomic"
          + " groups)";

  private TenantRegex() {}

  /**
   * Compiles a tenant regex.
   *
   * @throws IllegalArgumentException saying what is wrong (without the field name), when {@link
   *     #problem} is not null
   */
  public static Pattern compile(String regex) {
    if (regex == null) {
      throw new IllegalArgumentException("must be a regex (got null)");
    }
    String tooBig = bounds(regex);
    if (tooBig != null) {
      throw new IllegalArgumentException(tooBig);
    }
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      // RE2/J reports backreferences as invalid escapes, lookbehind as an invalid named capture,
      // possessive quantifiers as nested repetition, lookahead and atomic groups as unsupported
      // Perl syntax: say why those are refused.
      String d = e.getDescription();
      boolean perl =
          d.startsWith("invalid escape")
              || d.startsWith("invalid or unsupported Perl")
              || d.startsWith("invalid named capture")
              || d.startsWith("invalid nested repetition");
      throw new IllegalArgumentException(
          "is not a valid regex: " + d + " at `" + e.getPattern() + "`" + (perl ? SYNTAX_HINT : ""),
          e);
    }
  }

  /**
   * The estimated size of {@code regex}'s program (see {@link #MAX_SIZE}); the cost of matching it
   * grows with this at most linearly.
   */
  public static long steps(String regex) {
    return regex == null ? 0 : estimatedSize(regex);
  }

  /** The steps of every regex of {@code match}: its path and its header values. */
  public static long steps(HttpMatch match) {
    long sum = steps(match.pathRegex());
    for (String value : match.headers().values()) {
      sum += steps(value);
    }
    return sum;
  }

  /** What is wrong with {@code regex} (a sentence to follow a field name), or null when none. */
  public static @Nullable String problem(String regex) {
    try {
      compile(regex);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  // The length is checked before parsing, and the size estimate is linear in the length, so a
  // hostile regex costs the checker no more than reading it.
  private static @Nullable String bounds(String regex) {
    if (regex.length() > MAX_LENGTH) {
      return "is " + regex.length() + " characters long; at most " + MAX_LENGTH + " are allowed";
    }
    long size = estimatedSize(regex);
    if (size > MAX_SIZE) {
      return "is too complex: it expands to more than "
          + MAX_SIZE
          + " steps (counted repetitions such as {n,m} multiply what they repeat)";
    }
    return null;
  }

  /**
   * An upper bound of the size of the compiled program, in units of one literal, class or operator.
   * Runs on any text; syntax errors are left to the parser. Saturates rather than overflows.
   */
  static long estimatedSize(String re) {
    Deque<long[]> outer = new ArrayDeque<>();
    long total = 0;
    long last = 0;
    boolean quoted = false;
    int i = 0;
    int n = re.length();
    while (i < n) {
      char c = re.charAt(i);
      long atom = 1;
      if (quoted) {
        if (c == '\\' && i + 1 < n && re.charAt(i + 1) == 'E') {
          quoted = false;
          i += 2;
          continue;
        }
        i++;
      } else if (c == '\\') {
        if (i + 1 < n && re.charAt(i + 1) == 'Q') {
          quoted = true;
          i += 2;
          continue;
        }
        i = escapeEnd(re, i);
      } else if (c == '[') {
        i = classEnd(re, i);
      } else if (c == '(') {
        outer.push(new long[] {total, last});
        total = 0;
        last = 0;
        i++;
        continue;
      } else if (c == ')') {
        // The group's content plus its capture or alternation instructions.
        atom = total + 1;
        if (!outer.isEmpty()) {
          long[] up = outer.pop();
          total = up[0];
        }
        i++;
      } else if (c == '|') {
        total = add(total, 1);
        last = 0;
        i++;
        continue;
      } else if (c == '*' || c == '+' || c == '?') {
        total = add(total, 1);
        i++;
        continue;
      } else if (c == '{') {
        int[] repeat = repeat(re, i);
        if (repeat != null) {
          long times = Math.max(1, repeat[0]);
          total = add(add(total, mul(last, times - 1)), 1);
          last = mul(last, times);
          i = repeat[1];
          continue;
        }
        i++;
      } else {
        i += Character.isHighSurrogate(c) && i + 1 < n ? 2 : 1;
      }
      total = add(total, atom);
      last = atom;
      if (total > Integer.MAX_VALUE) {
        return total;
      }
    }
    while (!outer.isEmpty()) {
      total = add(outer.pop()[0], total);
    }
    return total;
  }

  /** The index after an escape at {@code i} ({@code \p{Greek}}, {@code \x{41}}, {@code \d}). */
  private static int escapeEnd(String re, int i) {
    int n = re.length();
    if (i + 1 >= n) {
      return n;
    }
    char k = re.charAt(i + 1);
    if ((k == 'p' || k == 'P' || k == 'x') && i + 2 < n && re.charAt(i + 2) == '{') {
      int close = re.indexOf('}', i + 3);
      return close < 0 ? n : close + 1;
    }
    return i + 2;
  }

  /** The index after a bracketed class starting at {@code i}; a class is one instruction. */
  private static int classEnd(String re, int i) {
    int n = re.length();
    int j = i + 1;
    if (j < n && re.charAt(j) == '^') {
      j++;
    }
    if (j < n && re.charAt(j) == ']') {
      j++;
    }
    while (j < n) {
      char c = re.charAt(j);
      if (c == ']') {
        return j + 1;
      }
      if (c == '\\') {
        j = escapeEnd(re, j);
      } else if (c == '[' && j + 1 < n && re.charAt(j + 1) == ':') {
        int close = re.indexOf(":]", j + 2);
        j = close < 0 ? j + 1 : close + 2;
      } else {
        j++;
      }
    }
    return n;
  }

  /**
   * {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code i}: the most times it repeats (n + 1 for
   * an open one, which compiles to n copies and a star) and the index after it; null when the brace
   * is a literal.
   */
  private static int @Nullable [] repeat(String re, int i) {
    int n = re.length();
    int j = i + 1;
    int min = 0;
    int digits = 0;
    while (j < n && Character.isDigit(re.charAt(j)) && digits < 8) {
      min = min * 10 + (re.charAt(j) - '0');
      j++;
      digits++;
    }
    if (digits == 0 || j >= n) {
      return null;
    }
    if (re.charAt(j) == '}') {
      return new int[] {min, j + 1};
    }
    if (re.charAt(j) != ',') {
      return null;
    }
    j++;
    int max = 0;
    digits = 0;
    while (j < n && Character.isDigit(re.charAt(j)) && digits < 8) {
      max = max * 10 + (re.charAt(j) - '0');
      j++;
      digits++;
    }
    if (j >= n || re.charAt(j) != '}') {
      return null;
    }
    return new int[] {digits == 0 ? min + 1 : Math.max(min, max), j + 1};
  }

  private static long add(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  private static long mul(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}
