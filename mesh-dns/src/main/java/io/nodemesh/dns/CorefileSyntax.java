package io.nodemesh.dns;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A syntax check of a Corefile against one CoreDNS release, strict enough to catch what makes
 * CoreDNS refuse to start: unbalanced braces, a malformed server key, the same zone and port served
 * twice, and a plugin the release does not have (Traefik Mesh's block named a plugin that CoreDNS
 * 1.7 no longer built in, and CoreDNS crash-looped).
 *
 * <p>The grammar is the Caddyfile's as CoreDNS uses it: tokens split on white space, {@code #}
 * starts a comment, {@code "..."} quotes; a server block is its keys then {@code {}; inside, each
 * line starts with a plugin name, and a line ending in {@code {} opens that plugin's own block.
 */
public final class CorefileSyntax {
  private record Span(CoreDnsVersion since, CoreDnsVersion until) {
    boolean contains(CoreDnsVersion v) {
      return (since == null || v.isAtLeast(since)) && (until == null || !v.isAtLeast(until));
    }
  }

  private static final CoreDnsVersion ANY = null;
  private static final Map<String, Span> PLUGINS = new HashMap<>();

  static {
    for (String p :
        List.of(
            "acl",
            "any",
            "auto",
            "autopath",
            "azure",
            "bind",
            "bufsize",
            "cache",
            "cancel",
            "chaos",
            "clouddns",
            "debug",
            "dns64",
            "dnssec",
            "dnstap",
            "erratic",
            "errors",
            "etcd",
            "file",
            "geoip",
            "grpc",
            "header",
            "health",
            "hosts",
            "k8s_external",
            "kubernetes",
            "loadbalance",
            "local",
            "log",
            "loop",
            "metadata",
            "minimal",
            "nsid",
            "on",
            "pprof",
            "prometheus",
            "reload",
            "rewrite",
            "root",
            "route53",
            "secondary",
            "sign",
            "template",
            "timeouts",
            "tls",
            "trace",
            "transfer",
            "tsig",
            "view",
            "whoami",
            "import")) {
      PLUGINS.put(p, new Span(ANY, ANY));
    }
    // Dates from the CoreDNS release notes of the named versions.
    PLUGINS.put("forward", new Span(new CoreDnsVersion(1, 0, 6), ANY));
    PLUGINS.put("ready", new Span(new CoreDnsVersion(1, 5, 0), ANY));
    PLUGINS.put("proxy", new Span(ANY, new CoreDnsVersion(1, 5, 0)));
    PLUGINS.put("federation", new Span(ANY, new CoreDnsVersion(1, 7, 0)));
  }

  private static final Pattern KEY =
      Pattern.compile(
          "((dns|tls|grpc|https|quic)://)?(\\.|[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?"
              + "(/[0-9]{1,3})?)?(:[0-9]{1,5})?");

  private record Token(String text, int line, boolean quoted) {
    boolean is(String s) {
      return !quoted && text.equals(s);
    }
  }

  private CorefileSyntax() {}

  /** Whether CoreDNS {@code version} has the plugin {@code name} built in. */
  public static boolean hasPlugin(String name, CoreDnsVersion version) {
    Span span = PLUGINS.get(name);
    return span != null && span.contains(version);
  }

  /**
   * What is wrong with {@code corefile} for CoreDNS {@code version}, one line each; empty if OK.
   */
  public static List<String> problems(String corefile, CoreDnsVersion version) {
    List<String> problems = new ArrayList<>();
    List<Token> tokens;
    try {
      tokens = tokens(corefile);
    } catch (IllegalArgumentException e) {
      return List.of(e.getMessage());
    }
    Map<String, Integer> served = new HashMap<>();
    int i = 0;
    while (i < tokens.size()) {
      // A top-level "import" pulls in other files (server blocks or snippets): one line.
      if (tokens.get(i).is("import")) {
        int line = tokens.get(i).line();
        while (i < tokens.size() && tokens.get(i).line() == line) {
          i++;
        }
        continue;
      }
      // Server keys up to "{" on the same line as the last key.
      List<Token> keys = new ArrayList<>();
      while (i < tokens.size() && !tokens.get(i).is("{")) {
        if (tokens.get(i).is("}")) {
          problems.add("line %d: '}' without a block to close".formatted(tokens.get(i).line()));
          return problems;
        }
        keys.add(tokens.get(i++));
      }
      if (keys.isEmpty() || i == tokens.size()) {
        int line =
            keys.isEmpty() ? tokens.get(Math.min(i, tokens.size() - 1)).line() : keys.get(0).line();
        problems.add("line %d: a server block needs keys and a '{'".formatted(line));
        return problems;
      }
      boolean snippet = keys.get(0).text().startsWith("(");
      for (Token k : keys) {
        for (String key : k.text().split(",")) {
          if (key.isEmpty() || snippet) {
            continue;
          }
          if (!KEY.matcher(key).matches()) {
            problems.add("line %d: '%s' is not a server key".formatted(k.line(), key));
            continue;
          }
          Integer before = served.put(normalise(key), k.line());
          if (before != null) {
            problems.add(
                "line %d: %s is already served by the block on line %d"
                    .formatted(k.line(), normalise(key), before));
          }
        }
      }
      i++; // the "{"
      int lastLine = -1;
      boolean closed = false;
      while (i < tokens.size()) {
        Token t = tokens.get(i);
        if (t.is("}")) {
          closed = true;
          i++;
          break;
        }
        if (t.line() == lastLine) {
          problems.add("line %d: unexpected '%s'".formatted(t.line(), t.text()));
          i++;
          continue;
        }
        lastLine = t.line();
        if (!snippet) {
          checkPlugin(t, version, problems);
        }
        // The plugin's arguments: the rest of the line; a final "{" opens its block.
        int line = t.line();
        i++;
        Token last = t;
        while (i < tokens.size() && tokens.get(i).line() == line && !tokens.get(i).is("}")) {
          last = tokens.get(i++);
        }
        if (last != t && last.is("{")) {
          int depth = 1;
          while (i < tokens.size() && depth > 0) {
            Token n = tokens.get(i++);
            depth += n.is("{") ? 1 : n.is("}") ? -1 : 0;
          }
          if (depth > 0) {
            problems.add("line %d: the block of '%s' is never closed".formatted(line, t.text()));
            return problems;
          }
          lastLine = tokens.get(i - 1).line();
        }
      }
      if (!closed) {
        problems.add(
            "line %d: the server block '%s' is never closed"
                .formatted(keys.get(0).line(), keys.get(0).text()));
        return problems;
      }
    }
    return problems;
  }

  private static void checkPlugin(Token t, CoreDnsVersion version, List<String> problems) {
    Span span = PLUGINS.get(t.text());
    if (span == null) {
      problems.add("line %d: unknown plugin '%s'".formatted(t.line(), t.text()));
    } else if (!span.contains(version)) {
      problems.add(
          "line %d: plugin '%s' is not in CoreDNS %s".formatted(t.line(), t.text(), version));
    }
  }

  /** {@code Mesh:53}, {@code dns://mesh.} and {@code mesh} all serve {@code mesh.:53}. */
  private static String normalise(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    String scheme = "dns";
    int sep = k.indexOf("://");
    if (sep >= 0) {
      scheme = k.substring(0, sep);
      k = k.substring(sep + 3);
    }
    String port = scheme.equals("dns") ? "53" : scheme;
    int colon = k.lastIndexOf(':');
    if (colon >= 0) {
      port = k.substring(colon + 1);
      k = k.substring(0, colon);
    }
    if (k.isEmpty()) {
      k = ".";
    }
    if (!k.endsWith(".")) {
      k = k + ".";
    }
    return k + ":" + port;
  }

  private static List<Token> tokens(String text) {
    List<Token> tokens = new ArrayList<>();
    int line = 1;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < text.length() && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"') {
        int start = line;
        StringBuilder s = new StringBuilder();
        i++;
        while (i < text.length() && text.charAt(i) != '"') {
          if (text.charAt(i) == '\\' && i + 1 < text.length()) {
            i++;
          }
          if (text.charAt(i) == '\n') {
            line++;
          }
          s.append(text.charAt(i++));
        }
        if (i == text.length()) {
          throw new IllegalArgumentException("line %d: quote never closed".formatted(start));
        }
        i++;
        tokens.add(new Token(s.toString(), start, true));
      } else {
        int start = i;
        while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        tokens.add(new Token(text.substring(start, i), line, false));
      }
    }
    return tokens;
  }
}
