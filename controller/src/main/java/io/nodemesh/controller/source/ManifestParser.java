package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.SmiKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;

/**
 * Reads the text of one local-mode file into Kubernetes objects: YAML documents split at {@code
 * ---}, {@code kind: List} unpacked, SMI kinds of every accepted apiVersion through {@link
 * SmiKinds}, a missing namespace defaulted. The first document that does not parse stops the file
 * with one {@link Problem} naming the document and its line. Knows nothing of files or watching
 * ({@link FileSource} does that).
 */
final class ManifestParser {
  private static final Pattern YAML_LINE = Pattern.compile("line (\\d+), column");
  private static final String DEFAULT_NAMESPACE = "default";

  private final KubernetesSerialization serialization = SmiKinds.newSerialization();

  /**
   * What one file held: its objects, or the problem that stopped reading it (then {@code objects}
   * is empty).
   */
  record Parsed(List<HasMetadata> objects, Problem problem) {}

  /**
   * The objects in {@code text}, the content of the file {@code rel} (relative to the directory,
   * the problem's name); {@code json} reads it as one JSON document.
   */
  Parsed parse(String rel, boolean json, String text) {
    List<HasMetadata> objects = new ArrayList<>();
    List<Doc> docs = json ? List.of(new Doc(text, 1)) : split(text);
    for (int i = 0; i < docs.size(); i++) {
      Doc doc = docs.get(i);
      String where =
          docs.size() == 1 ? "line " + doc.line : "doc[" + i + "] (line " + doc.line + ")";
      try {
        collect(parse(doc.text), objects, where);
      } catch (RuntimeException e) {
        int line = errorLine(e);
        if (line > 0) {
          where = (docs.size() == 1 ? "" : "doc[" + i + "] ") + "line " + (doc.line + line - 1);
        }
        return new Parsed(List.of(), new Problem("File", null, rel, where, reason(e)));
      }
    }
    return new Parsed(List.copyOf(objects), null);
  }

  /** One document; a cyclic or too deeply nested one is refused like any unreadable one. */
  private Object parse(String text) {
    try {
      return serialization.unmarshal(text, KubernetesResource.class);
    } catch (StackOverflowError e) {
      throw new IllegalArgumentException(SmiKinds.TOO_DEEP, e);
    }
  }

  private static void collect(Object parsed, List<HasMetadata> out, String where) {
    switch (parsed) {
      case null -> {
        // an empty document
      }
      case KubernetesResourceList<?> list -> {
        // "kind: List" without items (or with "items: null") is an empty list; found by fuzzing.
        if (list.getItems() != null) {
          for (Object item : list.getItems()) {
            collect(item, out, where + " item " + out.size());
          }
        }
      }
      case GenericKubernetesResource g ->
          throw new IllegalArgumentException(
              "unknown kind '" + g.getKind() + "' of apiVersion '" + g.getApiVersion() + "'");
      case HasMetadata h -> {
        if (h.getMetadata() == null || h.getMetadata().getName() == null) {
          throw new IllegalArgumentException(h.getKind() + " has no metadata.name");
        }
        if (!(h instanceof Namespace) && h.getMetadata().getNamespace() == null) {
          ObjectMeta meta = h.getMetadata();
          meta.setNamespace(DEFAULT_NAMESPACE);
        }
        out.add(h);
      }
      default ->
          throw new IllegalArgumentException(
              "not a Kubernetes object (" + parsed.getClass().getSimpleName() + ")");
    }
  }

  /** The 1-based line in the document where the parser failed, or 0 if it does not say. */
  private static int errorLine(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JacksonException j
          && j.getLocation() != null
          && j.getLocation().getLineNr() > 0) {
        return j.getLocation().getLineNr();
      }
      // SnakeYAML says "in 'reader', line 4, column 16" in its message instead.
      Matcher m = t.getMessage() == null ? null : YAML_LINE.matcher(t.getMessage());
      if (m != null && m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return 0;
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    // Keep the parser's sentences, drop its source snippets and positions (the field has those).
    List<String> parts = new ArrayList<>();
    for (String line : message.split("\n")) {
      if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("in '")) {
        parts.add(line.strip());
      }
    }
    return parts.isEmpty() ? message.strip() : String.join("; ", parts);
  }

  /** One YAML document and the line (1-based) it starts on in its file. */
  private record Doc(String text, int line) {}

  private static List<Doc> split(String text) {
    List<Doc> docs = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    StringBuilder current = new StringBuilder();
    int start = 1;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.equals("---") || line.startsWith("--- ") || line.equals("...")) {
        addDoc(docs, current, start);
        current.setLength(0);
        start = i + 2;
      } else {
        current.append(line).append('\n');
      }
    }
    addDoc(docs, current, start);
    return docs;
  }

  private static void addDoc(List<Doc> docs, StringBuilder text, int start) {
    boolean content =
        text.toString().lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#"));
    if (content) {
      docs.add(new Doc(text.toString(), start));
    }
  }
}
