package io.nodemesh.dns;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds to a CoreDNS Corefile, and removes again, one server block that sends the mesh zone to
 * Nodemesh. The block sits between the lines {@value #BEGIN} and {@value #END}; nothing outside
 * them is ever changed, so {@code restore(apply(c, s))} returns {@code c} byte for byte (line
 * endings, tabs and a missing final newline included) and applying twice equals applying once.
 *
 * <p>Pure functions on text: reading and writing the CoreDNS ConfigMap is the caller's job.
 */
public final class CorefilePatch {
  public static final String BEGIN = "# nodemesh:begin";
  public static final String END = "# nodemesh:end";

  private static final String DEFAULT_INDENT = "    ";

  /** The release assumed when none is given: what current Kubernetes releases ship. */
  static final CoreDnsVersion CURRENT = new CoreDnsVersion(1, 11, 1);

  private CorefilePatch() {}

  /**
   * The Corefile with the mesh block at its end, replacing any block a previous run added.
   *
   * @throws IllegalArgumentException if the markers are unbalanced (see {@link #restore})
   */
  public static String apply(String corefile, MeshDnsSettings settings) {
    return apply(corefile, settings, CURRENT);
  }

  /**
   * The Corefile with the mesh block at its end, written with plugins that CoreDNS {@code version}
   * has, replacing any block a previous run added.
   *
   * @throws IllegalArgumentException if the markers are unbalanced (see {@link #restore})
   */
  public static String apply(String corefile, MeshDnsSettings settings, CoreDnsVersion version) {
    String original = restore(corefile);
    String eol = lineEnding(original);
    List<String> lines = new ArrayList<>();
    lines.add(BEGIN);
    lines.addAll(serverBlock(settings, indentation(original), version));
    lines.add(END);
    String block = String.join(eol, lines);
    // Mirror the original's last line: with a final newline the block gets one too; without, the
    // block is joined by a newline of its own and has none, so restore knows which one to drop.
    if (original.isEmpty() || original.endsWith("\n")) {
      return original + block + eol;
    }
    return original + eol + block;
  }

  /**
   * The Corefile without any mesh block: exactly the text before {@link #apply}.
   *
   * @throws IllegalArgumentException if a {@value #BEGIN} line has no {@value #END} after it, or an
   *     {@value #END} line has no {@value #BEGIN} before it; the message gives the line number
   */
  public static String restore(String corefile) {
    String text = corefile;
    Cut cut;
    while ((cut = findBlock(text)) != null) {
      text = text.substring(0, cut.from()) + text.substring(cut.to());
    }
    return text;
  }

  /** Whether the Corefile carries a mesh block. */
  public static boolean isPatched(String corefile) {
    return findBlock(corefile) != null;
  }

  /**
   * The server block itself, without markers. The one place that decides what CoreDNS does with
   * mesh names: it forwards the zone to the mesh DNS server, which knows the shadow Services. The
   * block uses only {@code errors}, {@code cache} and {@code forward}, which every supported
   * release has; releases before {@code forward} existed get {@code proxy}, which they do have.
   */
  static List<String> serverBlock(MeshDnsSettings s, String indent, CoreDnsVersion version) {
    String forward = CorefileSyntax.hasPlugin("forward", version) ? "forward" : "proxy";
    return List.of(
        "# Nodemesh: " + s.zone() + " names go to the mesh. `nodemesh cleanup` removes this.",
        s.domain() + ":" + MeshDnsSettings.DNS_PORT + " {",
        indent + "errors",
        indent + "cache 5",
        indent + forward + " " + s.zone() + " " + s.upstream(),
        "}");
  }

  /**
   * The block as a file of its own, for a {@code coredns-custom} ConfigMap key that the Corefile
   * imports (AKS: {@code import custom/*.server}); nothing else shares the key, so no markers.
   */
  public static String serverFile(MeshDnsSettings s, CoreDnsVersion version) {
    return String.join("\n", serverBlock(s, DEFAULT_INDENT, version)) + "\n";
  }

  private record Line(int number, int start, int contentEnd, int end) {
    String content(String text) {
      return text.substring(start, contentEnd);
    }
  }

  /** The character range to delete to remove the first block, or null when there is none. */
  private record Cut(int from, int to) {}

  private static Cut findBlock(String text) {
    List<Line> lines = lines(text);
    for (int i = 0; i < lines.size(); i++) {
      String content = lines.get(i).content(text).strip();
      if (content.equals(END)) {
        throw new IllegalArgumentException(
            "Corefile line %d: '%s' without '%s' before it"
                .formatted(lines.get(i).number(), END, BEGIN));
      }
      if (!content.equals(BEGIN)) {
        continue;
      }
      Line begin = lines.get(i);
      for (int j = i + 1; j < lines.size(); j++) {
        Line end = lines.get(j);
        String inner = end.content(text).strip();
        if (inner.equals(BEGIN)) {
          break;
        }
        if (!inner.equals(END)) {
          continue;
        }
        if (end.end() > end.contentEnd() || begin.start() == 0) {
          return new Cut(begin.start(), end.end());
        }
        // The block ends the text without a newline: the newline before it was added by apply.
        return new Cut(lines.get(i - 1).contentEnd(), end.end());
      }
      throw new IllegalArgumentException(
          "Corefile line %d: '%s' without '%s' after it".formatted(begin.number(), BEGIN, END));
    }
    return null;
  }

  /** Lines with their offsets; a line ends at "\n" or "\r\n", which {@code end} includes. */
  private static List<Line> lines(String text) {
    List<Line> lines = new ArrayList<>();
    int start = 0;
    int number = 1;
    while (start < text.length()) {
      int nl = text.indexOf('\n', start);
      if (nl < 0) {
        lines.add(new Line(number, start, text.length(), text.length()));
        break;
      }
      int contentEnd = nl > start && text.charAt(nl - 1) == '\r' ? nl - 1 : nl;
      lines.add(new Line(number++, start, contentEnd, nl + 1));
      start = nl + 1;
    }
    return lines;
  }

  /** "\r\n" if the Corefile's first line ends that way, else "\n". */
  private static String lineEnding(String text) {
    int nl = text.indexOf('\n');
    return nl > 0 && text.charAt(nl - 1) == '\r' ? "\r\n" : "\n";
  }

  /** The indentation of the first indented line (a tab or some spaces), so the block fits in. */
  private static String indentation(String text) {
    for (Line line : lines(text)) {
      String content = line.content(text);
      int n = 0;
      while (n < content.length() && (content.charAt(n) == ' ' || content.charAt(n) == '\t')) {
        n++;
      }
      if (n > 0 && n < content.length()) {
        return content.charAt(0) == '\t' ? "\t" : content.substring(0, n);
      }
    }
    return DEFAULT_INDENT;
  }
}
