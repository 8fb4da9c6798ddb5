package io.nodemesh.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

/** Reading one file's text into objects, without a directory or a watch. */
class ManifestParserTest {
  private final ManifestParser parser = new ManifestParser();

  /** A Service web without a namespace, and the separator to the next document. */
  private static final String WEB =
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: web
      ---
      """;

  @Test
  void documentsAndListsBecomeObjectsInTheDefaultNamespace() {
    String text =
        WEB
            + """
        # a comment-only document is skipped
        ---
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata:
              name: db
              namespace: shop
        """;
    ManifestParser.Parsed parsed = parser.parse("svc.yaml", false, text);
    assertThat(parsed.problem()).isNull();
    assertThat(parsed.objects())
        .extracting(HasMetadata::getMetadata)
        .extracting(m -> m.getNamespace() + "/" + m.getName())
        .containsExactly("default/web", "shop/db");
  }

  @Test
  void aBrokenDocumentIsOneProblemNamingItsDocumentAndLine() {
    String text =
        WEB
            + """
        apiVersion: v1
        kind: Service
        metadata: [oops
        """;
    ManifestParser.Parsed parsed = parser.parse("dir/svc.yaml", false, text);
    assertThat(parsed.objects()).isEmpty();
    assertThat(parsed.problem().kind()).isEqualTo("File");
    assertThat(parsed.problem().name()).isEqualTo("dir/svc.yaml");
    assertThat(parsed.problem().field()).startsWith("doc[1]");
  }

  @Test
  void anUnknownKindIsRefused() {
    ManifestParser.Parsed parsed =
        parser.parse(
            "x.json",
            true,
            "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"}}");
    assertThat(parsed.problem().message())
        .isEqualTo("unknown kind 'Widget' of apiVersion 'example.com/v1'");
  }
}
